package dev.mmpeft.core.eval;

import java.util.Optional;
import java.util.OptionalInt;
import org.immutables.value.Value;

/**
 * What a model (or anyone: LAVIS, a paper's released results) answered for one example: a choice
 * index (candidate scoring), or answer text (generation), or both.
 */
@Value.Immutable
public abstract class Prediction {
    /** The id of the example answered. */
    public abstract String exampleId();

    /** The chosen option, when known as an index. */
    public abstract OptionalInt choiceIndex();

    /** The answer text, when the prediction is text. */
    public abstract Optional<String> text();

    /** A prediction of a choice index. */
    public static Prediction ofChoice(String exampleId, int choiceIndex) {
        return builder().exampleId(exampleId).choiceIndex(choiceIndex).build();
    }

    /** A prediction of answer text. */
    public static Prediction ofText(String exampleId, String text) {
        return builder().exampleId(exampleId).text(text).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link Prediction}; {@code build()} validates it. */
    public static class Builder extends ImmutablePrediction.Builder {}
}
