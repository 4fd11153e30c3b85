package dev.mmpeft.core.train;

import dev.mmpeft.core.eval.EvaluationResult;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * Stop a run when the chosen validation metric has not improved for {@link #patience()}
 * validations in a row (the papers: patience 3 on validation accuracy, one validation per epoch).
 *
 * <pre>{@code EarlyStopping.patience(3)}                      // headline metric, higher is better
 * EarlyStopping.patience(5).on("loss").minimize()       // a breakdown entry, lower is better}</pre>
 */
@Value.Immutable
public abstract class EarlyStopping {
    /** Whether a larger or a smaller value is better. */
    public enum Mode {
        MAX,
        MIN
    }

    /** Validations without improvement after which the run stops. */
    public abstract int patience();

    /**
     * The metric to watch: the result's headline when empty or equal to its {@code metric()}, else
     * an entry of its {@code breakdown()}.
     */
    public abstract Optional<String> metric();

    @Value.Default
    public Mode mode() {
        return Mode.MAX;
    }

    /** How much better a value must be to count as an improvement. */
    @Value.Default
    public double minDelta() {
        return 0;
    }

    /** Patience {@code n} on the headline metric, higher is better. */
    public static EarlyStopping patience(int n) {
        return builder().patience(n).build();
    }

    /** A copy that watches {@code metric}. */
    public EarlyStopping on(String metric) {
        return toBuilder().metric(metric).build();
    }

    /** A copy where lower is better. */
    public EarlyStopping minimize() {
        return toBuilder().mode(Mode.MIN).build();
    }

    /** A copy where an improvement must exceed {@code delta}. */
    public EarlyStopping minDelta(double delta) {
        return toBuilder().minDelta(delta).build();
    }

    @Value.Check
    protected void check() {
        TrainingException.check(patience() >= 1, "EarlyStopping.patience", patience(), ">= 1");
        TrainingException.check(minDelta() >= 0, "EarlyStopping.minDelta", minDelta(), ">= 0");
    }

    /** The watched value of {@code result}. */
    public double valueOf(EvaluationResult result) {
        return read(result, metric());
    }

    /** Whether {@code value} improves on {@code best} (always true when there is no best yet). */
    public boolean improves(double value, double best) {
        if (Double.isNaN(best)) {
            return !Double.isNaN(value);
        }
        return mode() == Mode.MAX ? value > best + minDelta() : value < best - minDelta();
    }

    /** Reads a metric (headline when empty or equal to the result's metric name). */
    static double read(EvaluationResult result, Optional<String> metric) {
        if (metric.isEmpty() || metric.get().equals(result.metric())) {
            return result.headline();
        }
        Double v = result.breakdown().get(metric.get());
        if (v == null) {
            throw new TrainingException(
                    "validation metric '" + metric.get() + "' is not in the result of evaluator '" + result.evaluator()
                            + "' (headline '" + result.metric() + "', breakdown " + result.breakdown().keySet() + ")");
        }
        return v;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link EarlyStopping}; {@code build()} validates it. */
    public static class Builder extends ImmutableEarlyStopping.Builder {}
}
