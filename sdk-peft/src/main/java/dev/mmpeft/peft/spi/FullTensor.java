package dev.mmpeft.peft.spi;

import ai.djl.ndarray.types.Shape;

/**
 * A base-model tensor that an adapter replaces with a copy of its own: trained in full (PEFT's
 * {@code modules_to_save}), a bias trained by a method option, or a tensor an adapter file carries
 * that only replaces the base value.
 *
 * @param name the parameter's name in the model
 * @param shape its shape
 * @param fileKey its key in {@code adapter_model.safetensors}
 * @param part the component, module or {@code bias} it is reported under
 * @param kind {@code full}, {@code bias}, or {@link #FIXED} for a replaced tensor that does not train
 */
public record FullTensor(String name, Shape shape, String fileKey, String part, String kind) {
    /** The kind of a base tensor an adapter file replaces without training it. */
    public static final String FIXED = "fixed";

    /** Whether it trains (everything but {@link #FIXED} tensors). */
    public boolean trains() {
        return !kind.equals(FIXED);
    }
}
