package dev.mmpeft.core.train.schedule;

import org.immutables.value.Value;

/**
 * Where a run stands when it asks for the learning rate of its next optimizer step. Schedules are
 * pure functions of this, so a resumed run gets exactly the rates the interrupted one would have.
 */
@Value.Immutable
public abstract class SchedulePosition {
    /** 0-based index of the optimizer step about to be taken (steps already done). */
    public abstract long step();

    /** 0-based epoch of that step. */
    public abstract int epoch();

    /** 0-based index of the step within its epoch. */
    public abstract long stepInEpoch();

    /** Optimizer steps per epoch. */
    public abstract long stepsPerEpoch();

    /** Optimizer steps of the whole run. */
    public abstract long totalSteps();

    /** Epochs of the whole run (the last may be partial when the run is cut by a step limit). */
    public abstract int totalEpochs();

    /** A position. */
    public static SchedulePosition of(long step, long stepsPerEpoch, long totalSteps, int totalEpochs) {
        return builder()
                .step(step)
                .epoch((int) (step / stepsPerEpoch))
                .stepInEpoch(step % stepsPerEpoch)
                .stepsPerEpoch(stepsPerEpoch)
                .totalSteps(totalSteps)
                .totalEpochs(totalEpochs)
                .build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link SchedulePosition}; {@code build()} validates it. */
    public static class Builder extends ImmutableSchedulePosition.Builder {}
}
