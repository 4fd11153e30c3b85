package dev.mmpeft.core.train;

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * The loss (or the gradient norm) of a batch was NaN or infinite and the run was told to stop on
 * that. It says where: the optimizer step, the epoch and the ids of the examples in the batch, so
 * the offending data can be found.
 */
public final class NonFiniteLossException extends TrainingException {
    private static final long serialVersionUID = 1L;

    private final long step;
    private final int epoch;
    private final ImmutableList<String> exampleIds;

    public NonFiniteLossException(String what, double value, long step, int epoch, List<String> exampleIds) {
        super(
                what
                        + " is "
                        + value
                        + " at step "
                        + step
                        + " (epoch "
                        + epoch
                        + ") in the batch of examples "
                        + exampleIds
                        + "; set onNonFinite(SKIP_BATCH) to skip such batches instead");
        this.step = step;
        this.epoch = epoch;
        this.exampleIds = ImmutableList.copyOf(exampleIds);
    }

    /** The 0-based optimizer step at which the value appeared. */
    public long step() {
        return step;
    }

    /** The 0-based epoch. */
    public int epoch() {
        return epoch;
    }

    /** Ids of the examples in the offending batch. */
    public List<String> exampleIds() {
        return exampleIds;
    }
}
