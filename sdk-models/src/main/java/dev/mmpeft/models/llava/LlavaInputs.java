package dev.mmpeft.models.llava;

import ai.djl.ndarray.NDArray;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * One batch of LLaVA inputs under transformers' names (what {@link LlavaProcessor} produces and
 * what a forward-inputs safetensors file holds).
 *
 * <p>{@code input_ids} already contain one {@code <image>} token ({@code image_token_index}) per
 * image feature, as transformers' current processor expands them; the features of all images, in
 * order, replace those tokens in row-major order ({@code masked_scatter}). Integer tensors may be
 * int32 or int64.
 */
@Value.Immutable
public abstract class LlavaInputs {
    /** {@code [images, 3, image_size, image_size]} float32; absent for text-only rows. */
    public abstract Optional<NDArray> pixelValues();

    /** Prompt ids {@code [batch, len]}, with the image tokens expanded. */
    public abstract NDArray inputIds();

    /** 0/1 mask over {@code input_ids}; all ones when absent. */
    public abstract Optional<NDArray> attentionMask();

    /** Target ids {@code [batch, len]} aligned with {@code input_ids}, -100 where no loss is taken. */
    public abstract Optional<NDArray> labels();

    public static Builder builder() {
        return new Builder();
    }

    /** The builder of a {@link LlavaInputs}. */
    public static class Builder extends ImmutableLlavaInputs.Builder {}
}
