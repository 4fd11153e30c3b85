package dev.mmpeft.models.lavin;

import ai.djl.ndarray.NDArray;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a LaVIN forward pass returns: the logits of every {@code input_ids} position (the modality
 * token's own position is dropped), the loss when labels were given, and the visual tokens after
 * the visual adapter ({@code image_hidden_states}) when the batch had images.
 */
public final class LavinOutput {
    private final NDArray logits;
    private final @Nullable NDArray loss;
    private final @Nullable NDArray imageFeatures;

    LavinOutput(NDArray logits, @Nullable NDArray loss, @Nullable NDArray imageFeatures) {
        this.logits = logits;
        this.loss = loss;
        this.imageFeatures = imageFeatures;
    }

    /** {@code [batch, len, vocab]}, aligned with {@code input_ids}. */
    public NDArray logits() {
        return logits;
    }

    /** The scalar mean next-token loss over labels != -100, when labels were given. */
    public Optional<NDArray> loss() {
        return Optional.ofNullable(loss);
    }

    /** {@code [images, visual tokens per image, text hidden]}, when the batch had images. */
    public Optional<NDArray> imageFeatures() {
        return Optional.ofNullable(imageFeatures);
    }
}
