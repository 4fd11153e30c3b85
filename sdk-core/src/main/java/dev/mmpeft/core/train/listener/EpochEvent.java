package dev.mmpeft.core.train.listener;

import org.immutables.value.Value;

/** One epoch done. */
@Value.Immutable
public abstract class EpochEvent {
    /** 0-based epoch. */
    public abstract int epoch();

    public abstract int totalEpochs();

    /** Steps done so far. */
    public abstract long step();

    /** Mean loss of the epoch's finite steps (of the steps this process ran, after a resume). */
    public abstract double meanLoss();

    /** Steps of the epoch run by this process. */
    public abstract long steps();

    public abstract double seconds();

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link EpochEvent}; {@code build()} validates it. */
    public static class Builder extends ImmutableEpochEvent.Builder {}
}
