package dev.mmpeft.spark.internal;

import com.google.common.hash.Hashing;
import dev.mmpeft.core.Component;
import dev.mmpeft.experiments.AdaptationMethod;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.spark.SparkJobException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * One sweep cell as Spark ships it to an executor: a {@link FineTuning} setting taken apart into
 * serializable fields, and its key, a hash of everything that makes the cell's result (setting,
 * model, dataset). Why a key: a cell's folder is named by it, so a rerun recognises a finished cell
 * and a changed recipe is a new cell, not a stale one.
 *
 * @param folder the cell's folder below {@code cells/}: {@code <slug>-<first 12 hex digits of the key>}
 */
public record CellSpec(AdaptationMethod method, List<Component> components, int rank, double alpha, double dropout,
        boolean trainExtras, double learningRate, double weightDecay, int epochs, int batchSize, int patience, long seed,
        String slug, String key, String folder) implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * The cell of {@code setting} on a model and dataset.
     *
     * @throws SparkJobException when the setting's method cannot be shipped to executors
     */
    public static CellSpec of(FineTuning setting, String modelId, String format, String dataRoot) {
        AdaptationMethod m = setting.method();
        if (!(m instanceof Serializable)) {
            throw new SparkJobException("setting " + setting.slug() + ": adaptation method " + m.name() + " ("
                    + m.getClass().getName() + ") is not Serializable; Spark ships each cell's method to an executor,"
                    + " so make it an enum or a Serializable class");
        }
        List<Component> comps = setting.components().stream().sorted().toList();
        String canonical = String.join("\n", "mmpeft-sweep-cell/1", "model=" + modelId, "format=" + format, "data=" + dataRoot,
                "method=" + m.name(), "slug=" + setting.slug(), "components=" + comps, "rank=" + setting.rank(),
                "alpha=" + setting.alpha(), "dropout=" + setting.dropout(), "train_extras=" + setting.trainExtras(),
                "lr=" + setting.learningRate(), "weight_decay=" + setting.weightDecay(), "epochs=" + setting.epochs(),
                "batch_size=" + setting.batchSize(), "patience=" + setting.patience(), "seed=" + setting.seed());
        String key = Hashing.sha256().hashString(canonical, StandardCharsets.UTF_8).toString();
        return new CellSpec(m, comps, setting.rank(), setting.alpha(), setting.dropout(), setting.trainExtras(),
                setting.learningRate(), setting.weightDecay(), setting.epochs(), setting.batchSize(), setting.patience(),
                setting.seed(), setting.slug(), key, setting.slug() + "-" + key.substring(0, 12).toLowerCase(Locale.ROOT));
    }

    /** The setting again, as the executor runs it. */
    public FineTuning setting() {
        FineTuning.Builder b = FineTuning.builder().method(method).rank(rank).alpha(alpha).dropout(dropout)
                .trainExtras(trainExtras).learningRate(learningRate).weightDecay(weightDecay).epochs(epochs)
                .batchSize(batchSize).patience(patience).seed(seed);
        b.components(components.isEmpty() ? EnumSet.noneOf(Component.class) : EnumSet.copyOf(components));
        return b.build();
    }
}
