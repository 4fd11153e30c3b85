package dev.mmpeft.experiments;

import dev.mmpeft.core.Device;
import dev.mmpeft.core.train.Precision;
import dev.mmpeft.core.train.TrainingException;
import java.util.List;
import org.immutables.value.Value;

/**
 * Where and how an experiment's training executes: the devices, the compute precision and how
 * often a resume checkpoint is written. Why apart from {@link FineTuning}: none of these changes
 * what a setting is (its folder, its row in the tables); they change where it runs and how much
 * of it an interruption costs.
 *
 * <pre>{@code
 * ExecutionOptions gpu = ExecutionOptions.builder().addDevices(Device.gpu(0)).precision(Precision.FP16).build();
 * }</pre>
 */
@Value.Immutable
public abstract class ExecutionOptions {
    /** Training devices; empty (default): where the model was loaded. Several GPUs train data-parallel. */
    public abstract List<Device> devices();

    /** The training compute precision (FP32 unless set; FP16 on GPUs only). */
    @Value.Default
    public Precision precision() {
        return Precision.FP32;
    }

    /** Write a resume checkpoint every this many optimizer steps as well as each epoch (0: each epoch only). */
    @Value.Default
    public long checkpointEvery() {
        return 0;
    }

    /**
     * Reuse the frozen vision encoder's features across epochs and settings (the trainer's
     * {@code reuseFrozenFeatures}); on by default, the numbers are the same either way.
     */
    @Value.Default
    public boolean reuseFrozenFeatures() {
        return true;
    }

    /**
     * Activation checkpointing (the trainer's {@code activationCheckpointing}): less memory for
     * activations, one more forward pass of the checkpointed layers per step. Off by default. With dropout, a run with it draws
     * other masks than the same run without it, so its numbers differ the way another seed's do.
     */
    @Value.Default
    public boolean activationCheckpointing() {
        return false;
    }

    /**
     * The feature cache folder shared by every setting that runs with these options; unset: each
     * run's own {@code feature-cache} folder ({@link Sweep} sets one for all its cells).
     */
    public abstract java.util.Optional<java.nio.file.Path> featureCacheDir();

    @Value.Check
    protected void check() {
        TrainingException.check(checkpointEvery() >= 0, "checkpointEvery", checkpointEvery(), ">= 0 (0: each epoch)");
    }

    /** The model's own device, float32, a checkpoint each epoch. */
    public static ExecutionOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds options; {@code build()} checks them. */
    public static class Builder extends ImmutableExecutionOptions.Builder {}
}
