package dev.mmpeft.core.train.listener;

import org.immutables.value.Value;

/** One optimizer step done. */
@Value.Immutable
public abstract class StepEvent {
    /** Steps done so far, this one included (1-based). */
    public abstract long step();

    public abstract long totalSteps();

    /** 0-based epoch of this step. */
    public abstract int epoch();

    public abstract int totalEpochs();

    /** The loss of the step's effective batch (NaN for a skipped step). */
    public abstract double loss();

    /** The learning rate the step used. */
    public abstract double lr();

    /** Global L2 norm of the gradients before clipping (NaN for a skipped step). */
    public abstract double gradNorm();

    /** Examples in this step. */
    public abstract int samples();

    /** Examples per second over this step. */
    public abstract double samplesPerSecond();

    /** Wall-clock seconds of this step. */
    public abstract double stepSeconds();

    /** Seconds since the run started (including time before a resume). */
    public abstract double elapsedSeconds();

    /** Estimated seconds left. */
    public abstract double etaSeconds();

    /**
     * The named extra terms inside the loss (PETAL's {@code sib}), averaged over the step's
     * micro-batches as the loss is, as the first replica computed them; empty for most models.
     */
    public abstract java.util.Map<String, Double> lossTerms();

    /** Whether the step was skipped for a non-finite loss or gradient. */
    @Value.Default
    public boolean skipped() {
        return false;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link StepEvent}; {@code build()} validates it. */
    public static class Builder extends ImmutableStepEvent.Builder {}
}
