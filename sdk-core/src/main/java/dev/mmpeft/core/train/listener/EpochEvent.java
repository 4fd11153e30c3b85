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

    public static ImmutableEpochEvent.Builder builder() {
        return ImmutableEpochEvent.builder();
    }
}
