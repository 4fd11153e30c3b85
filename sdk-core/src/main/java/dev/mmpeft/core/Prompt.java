package dev.mmpeft.core;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.immutables.value.Value;

/**
 * An example rendered for a model: the texts a template made of a {@link MultimodalExample},
 * ready for a processor to tokenize.
 *
 * <p>InstructBLIP reads two texts: the {@link #instruction()} goes to the Q-Former, the
 * {@link #input()} to the language model. Training uses {@link #target()}; multiple-choice
 * evaluation by candidate scoring ranks {@link #candidates()} (one target text per option).
 */
@Value.Immutable
public abstract class Prompt {
    /** The id of the example this prompt was made from. */
    public abstract String exampleId();

    /** Images to encode, in order. */
    public abstract List<Path> images();

    /** Text for the Q-Former (InstructBLIP's instruction-aware query input). */
    public abstract String instruction();

    /** Text for the language model: the prompt the answer follows. */
    public abstract String input();

    /** The answer text to learn, when training. */
    public abstract Optional<String> target();

    /** One target text per answer option, for candidate scoring; empty for open questions. */
    public abstract List<String> candidates();

    /** The index of the correct candidate, when known. */
    public abstract OptionalInt answerIndex();

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link Prompt}; {@code build()} validates it. */
    public static class Builder extends ImmutablePrompt.Builder {}
}
