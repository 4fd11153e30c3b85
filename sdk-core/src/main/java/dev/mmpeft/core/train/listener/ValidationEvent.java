package dev.mmpeft.core.train.listener;

import dev.mmpeft.core.eval.EvaluationResult;
import org.immutables.value.Value;

/** One validation done. */
@Value.Immutable
public abstract class ValidationEvent {
    /** Steps done when it ran. */
    public abstract long step();

    /** 0-based epoch it ran in. */
    public abstract int epoch();

    /** The full result. */
    public abstract EvaluationResult result();

    /** Name of the watched metric. */
    public abstract String metric();

    /** Its value now. */
    public abstract double value();

    /** The best value so far, this one included. */
    public abstract double best();

    /** Whether this validation is the new best. */
    public abstract boolean improved();

    /** Validations in a row without improvement (0 after an improvement). */
    public abstract int badValidations();

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link ValidationEvent}; {@code build()} validates it. */
    public static class Builder extends ImmutableValidationEvent.Builder {}
}
