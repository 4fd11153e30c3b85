package dev.mmpeft.models.lavin;

import ai.djl.ndarray.NDArray;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * One batch of LaVIN inputs under transformers-style names (what {@link LavinProcessor} produces
 * and what a forward-inputs safetensors file holds).
 *
 * <p>A row is an image row when its {@code input_ids} hold image placeholders
 * ({@code image_token_index}, one per visual feature), a text-only row otherwise; the features of
 * the images in {@code pixel_values}, in order, replace the placeholders in row-major order, so a
 * batch that mixes both kinds carries images for its image rows only and a text-only batch none
 * (the image encoder does not run for text-only rows).
 */
@Value.Immutable
public abstract class LavinInputs {
    /** {@code [images, 3, size, size]} float32, one per image row; absent when no row has an image. */
    public abstract Optional<NDArray> pixelValues();

    /** Prompt ids {@code [batch, len]} with the image placeholders in place. */
    public abstract NDArray inputIds();

    /** 0/1 mask over {@code input_ids}; all ones when absent. */
    public abstract Optional<NDArray> attentionMask();

    /** Target ids {@code [batch, len]} aligned with {@code input_ids}, -100 where no loss is taken. */
    public abstract Optional<NDArray> labels();

    public static ImmutableLavinInputs.Builder builder() {
        return ImmutableLavinInputs.builder();
    }
}
