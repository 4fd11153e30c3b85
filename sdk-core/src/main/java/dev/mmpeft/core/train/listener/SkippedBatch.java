package dev.mmpeft.core.train.listener;

import java.util.List;
import org.immutables.value.Value;

/** An optimizer step skipped because a batch's loss or the gradient norm was NaN or infinite. */
@Value.Immutable
public abstract class SkippedBatch {
    /** 0-based index of the skipped step. */
    public abstract long step();

    public abstract int epoch();

    /** {@code loss} or {@code gradient norm}. */
    public abstract String what();

    public abstract double value();

    /** Ids of the examples of the offending batch. */
    public abstract List<String> exampleIds();

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link SkippedBatch}; {@code build()} validates it. */
    public static class Builder extends ImmutableSkippedBatch.Builder {}
}
