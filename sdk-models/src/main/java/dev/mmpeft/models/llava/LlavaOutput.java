package dev.mmpeft.models.llava;

import ai.djl.ndarray.NDArray;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a LLaVA forward pass returns, as transformers' {@code LlavaCausalLMOutputWithPast}: the
 * logits of every input position, the loss when labels were given, and the projected image
 * features ({@code image_hidden_states}) that replaced the image tokens.
 */
public final class LlavaOutput {
    private final NDArray logits;
    private final @Nullable NDArray loss;
    private final @Nullable NDArray imageFeatures;

    LlavaOutput(NDArray logits, @Nullable NDArray loss, @Nullable NDArray imageFeatures) {
        this.logits = logits;
        this.loss = loss;
        this.imageFeatures = imageFeatures;
    }

    /** {@code [batch, len, vocab]}. */
    public NDArray logits() {
        return logits;
    }

    /** The scalar mean next-token loss over labels != -100, when labels were given. */
    public Optional<NDArray> loss() {
        return Optional.ofNullable(loss);
    }

    /** {@code [images, features per image, text hidden]}, when pixel values were given. */
    public Optional<NDArray> imageFeatures() {
        return Optional.ofNullable(imageFeatures);
    }
}
