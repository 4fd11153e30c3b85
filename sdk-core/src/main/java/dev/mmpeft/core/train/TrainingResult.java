package dev.mmpeft.core.train;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.immutables.value.Value;

/** How a run ended: how far it got, why it stopped, its best validation and where things were written. */
@Value.Immutable
public abstract class TrainingResult {
    /** Optimizer steps done (including those before a resume). */
    public abstract long steps();

    /** Epochs fully or partly trained. */
    public abstract int epochs();

    /** Why the run ended ({@code completed}, {@code early stopping: ...}). */
    public abstract String stopReason();

    /** Whether early stopping ended the run. */
    public abstract boolean stoppedEarly();

    /** Loss of every step, in order (NaN for skipped steps). */
    public abstract List<Double> losses();

    /** Steps skipped for non-finite losses or gradients. */
    public abstract long skippedSteps();

    /** Name of the watched validation metric, when the run validated. */
    public abstract Optional<String> metric();

    /** The best value of the watched metric. */
    public abstract OptionalDouble bestValue();

    /** Steps done when the best value was measured. */
    public abstract OptionalLong bestStep();

    /** The last validation's metrics (headline and breakdown). */
    public abstract Map<String, Double> lastValidation();

    /** Wall-clock seconds of the run (including time before a resume). */
    public abstract double seconds();

    /** The step a resumed run started from (0 for a fresh run). */
    public abstract long resumedFromStep();

    /** Folder of the best checkpoint (trainable tensors only), if written. */
    public abstract Optional<Path> bestDir();

    /** Folder of the last checkpoint (trainable tensors only), if written. */
    public abstract Optional<Path> lastDir();

    /** Mean loss of the last {@code n} finite steps (or of all, if fewer). */
    public double meanLossOfLast(int n) {
        double sum = 0;
        int count = 0;
        for (int i = losses().size() - 1; i >= 0 && count < n; i--) {
            double l = losses().get(i);
            if (Double.isFinite(l)) {
                sum += l;
                count++;
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link TrainingResult}; {@code build()} validates it. */
    public static class Builder extends ImmutableTrainingResult.Builder {}
}
