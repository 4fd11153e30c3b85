package dev.mmpeft.core.train.listener;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.immutables.value.Value;

/** What a run is about to do: its size and, when it resumes, where it resumes from. */
@Value.Immutable
public abstract class RunStart {
    /** Optimizer steps of the whole run. */
    public abstract long totalSteps();

    public abstract long stepsPerEpoch();

    public abstract int totalEpochs();

    /** Examples in the training set. */
    public abstract int trainSize();

    /** Examples per optimizer step (batch size x accumulation). */
    public abstract int effectiveBatchSize();

    /** Steps already done (0 for a fresh run, more for a resumed one). */
    public abstract long startStep();

    /** Losses of the steps already done, in order (from the checkpoint when resuming). */
    public abstract List<Double> previousLosses();

    /** Number of trainable scalars. */
    public abstract long trainableParameters();

    /** The run's settings, flat, as written to provenance. */
    public abstract Map<String, Object> config();

    /** Where the run writes checkpoints, logs and plots, if anywhere. */
    public abstract Optional<Path> outputDir();

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link RunStart}; {@code build()} validates it. */
    public static class Builder extends ImmutableRunStart.Builder {}
}
