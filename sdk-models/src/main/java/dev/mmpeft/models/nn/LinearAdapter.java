package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;

/**
 * Something a PEFT method attaches to a {@link Linear}: it sees the layer's input and base
 * output and returns the adapted output (LoRA adds {@code scale * B(A(dropout(x)))}, IA3 scales).
 * Implementations that hold parameters are {@link HfBlock}s, attached as children of the layer so
 * their tensors are named like Hugging Face PEFT's ({@code q.lora_A.default.weight}).
 */
public interface LinearAdapter {
    /**
     * The adapted output.
     *
     * @param input the layer's input {@code [..., in]}
     * @param output the base layer's output {@code [..., out]} (or the previous adapter's)
     */
    NDArray adapt(NDArray input, NDArray output);

    /** Whether this adapter currently takes part in the forward pass. */
    default boolean isActive() {
        return true;
    }
}
