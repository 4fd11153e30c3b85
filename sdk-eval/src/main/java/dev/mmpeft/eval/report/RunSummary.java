package dev.mmpeft.eval.report;

import dev.mmpeft.core.eval.EvaluationResult;
import java.util.Map;
import org.immutables.value.Value;

/**
 * One fine-tuning run for the papers' comparison tables and plots: which component was adapted at
 * which rank, how many parameters were trained, and the accuracy reached (with its breakdown).
 */
@Value.Immutable
public abstract class RunSummary {
    /** The adapted component as the table shows it ({@code LLM FFN}, {@code Q-Former cross-attn}, ...). */
    public abstract String component();

    /** The LoRA rank; 0 for full fine-tuning (shown as {@code full}). */
    public abstract int rank();

    /** Trainable parameters of the run. */
    public abstract long trainableParameters();

    /** The headline accuracy (percent). */
    public abstract double accuracy();

    /** The result's breakdown, when the run has one. */
    public abstract Map<String, Double> breakdown();

    /** A run summarised from its evaluation result. */
    public static RunSummary of(String component, int rank, long trainableParameters, EvaluationResult result) {
        return builder()
                .component(component)
                .rank(rank)
                .trainableParameters(trainableParameters)
                .accuracy(result.headline())
                .breakdown(result.breakdown())
                .build();
    }

    /** A run given by its numbers. */
    public static RunSummary of(String component, int rank, long trainableParameters, double accuracy) {
        return builder()
                .component(component)
                .rank(rank)
                .trainableParameters(trainableParameters)
                .accuracy(accuracy)
                .build();
    }

    @Value.Check
    protected void check() {
        if (component().isBlank()) {
            throw new IllegalArgumentException("run component must not be blank");
        }
        if (rank() < 0) {
            throw new IllegalArgumentException("run rank must be >= 0, got " + rank());
        }
        if (trainableParameters() <= 0) {
            throw new IllegalArgumentException(
                    "trainable parameters must be > 0, got " + trainableParameters() + " for " + component() + " r=" + rank());
        }
        if (!Double.isFinite(accuracy())) {
            throw new IllegalArgumentException("accuracy must be a number, got " + accuracy() + " for " + component() + " r=" + rank());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link RunSummary}; {@code build()} validates it. */
    public static class Builder extends ImmutableRunSummary.Builder {}
}
