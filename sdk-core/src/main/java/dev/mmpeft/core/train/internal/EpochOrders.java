package dev.mmpeft.core.train.internal;

import dev.mmpeft.core.train.TrainableModel;
import dev.mmpeft.core.train.TrainerConfig;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example order of each epoch of a run: the seeded shuffle ({@link DataOrder}), grouped by
 * length when {@code groupByLength} is set, and the padding it costs written to the training log
 * when the model reports token lengths ({@link TrainableModel#tokenLength}). A pure function of
 * (seed, epoch), so resumed runs see the same batches.
 */
public final class EpochOrders<E> {
    private static final Logger LOG = LoggerFactory.getLogger("dev.mmpeft.core.train.TrainingRun");

    private final TrainerConfig config;
    private final int n;
    private final int @Nullable [] lengths;
    private double lastPaddingRatio = Double.NaN;

    /** Orders for {@code train}; lengths are asked of {@code model} once, up front. */
    public EpochOrders(TrainerConfig config, TrainableModel<E> model, List<E> train) {
        this.config = config;
        this.n = train.size();
        int[] l = new int[n];
        boolean known = true;
        for (int i = 0; i < n && known; i++) {
            OptionalInt len = model.tokenLength(train.get(i));
            known = len.isPresent();
            l[i] = len.orElse(0);
        }
        this.lengths = known && n > 0 ? l : null;
        if ((config.groupByLength() || config.bucketByLength()) && lengths == null) {
            LOG.warn("{} is set but {} reports no token lengths; batches keep the shuffled order",
                    config.bucketByLength() ? "bucketByLength" : "groupByLength", model.getClass().getSimpleName());
        }
    }

    /** The indices of {@code epoch}, logging the padding they cost. */
    public int[] order(int epoch) {
        int[] order = DataOrder.epochOrder(n, config.seed(), epoch, config.shuffle());
        if (lengths == null) {
            return order;
        }
        if (config.groupByLength()) {
            order = LengthBatching.groupByLength(order, lengths, config.batchSize());
        } else if (config.bucketByLength()) {
            order = LengthBatching.bucketByLength(order, lengths, config.batchSize(), DataOrder.stepSeed(config.seed(), epoch, -1));
        }
        long[] batch = LengthBatching.padding(order, lengths, config.batchSize());
        long[] global = LengthBatching.globalPadding(lengths);
        lastPaddingRatio = (double) batch[1] / (batch[0] + batch[1]);
        LOG.info(String.format(Locale.ROOT,
                "epoch %d: padding ratio %.3f (%d of %d token positions are padding; padded to the longest of all: %d, %.3f)%s",
                epoch, lastPaddingRatio, batch[1], batch[0] + batch[1], global[1], (double) global[1] / (global[0] + global[1]),
                config.groupByLength() ? ", grouped by length" : config.bucketByLength() ? ", bucketed by length" : ""));
        return order;
    }

    /** The padding ratio of the last order computed (NaN without token lengths). */
    public double lastPaddingRatio() {
        return lastPaddingRatio;
    }
}
