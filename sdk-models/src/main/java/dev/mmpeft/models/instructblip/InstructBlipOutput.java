package dev.mmpeft.models.instructblip;

import ai.djl.ndarray.NDArray;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a forward pass returns, as transformers' {@code InstructBlipForConditionalGenerationModelOutput}:
 * the language model's logits and, when labels were given, the loss; plus the projected query
 * outputs that went into the language model.
 */
public final class InstructBlipOutput {
    private final NDArray logits;
    private final @Nullable NDArray loss;
    private final NDArray languageModelInputs;

    InstructBlipOutput(NDArray logits, @Nullable NDArray loss, NDArray languageModelInputs) {
        this.logits = logits;
        this.loss = loss;
        this.languageModelInputs = languageModelInputs;
    }

    /**
     * {@code [batch, positions, vocab]}: decoder positions for T5; for LLaMA every input position,
     * except that with labels and the older layout (queries concatenated in front) only the last
     * {@code labels.size(1)} positions, as transformers' InstructBLIP of that layout returns.
     */
    public NDArray logits() {
        return logits;
    }

    /** The scalar mean token loss, when labels were given. */
    public Optional<NDArray> loss() {
        return Optional.ofNullable(loss);
    }

    /** The projected query outputs {@code [batch, num_query_tokens, lm_hidden]}. */
    public NDArray languageModelInputs() {
        return languageModelInputs;
    }
}
