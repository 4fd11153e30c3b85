package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;

/**
 * Something a PEFT method attaches to a {@link Linear}: it may rewrite the layer's input before the
 * base layer sees it (IA3 on a feed-forward layer scales it) and sees the input and base output to
 * return the adapted output (LoRA adds {@code scale * B(A(dropout(x)))}, IA3 on attention scales).
 * Implementations that hold parameters are {@link HfBlock}s, attached as children of the layer so
 * their tensors are named like Hugging Face PEFT's ({@code q.lora_A.default.weight}).
 */
public interface LinearAdapter {
    /**
     * The input the base layer computes with, given the layer's input (or the previous adapter's
     * rewrite of it); the input itself by default. PEFT's IA3 scales a feed-forward layer's input
     * this way ({@code base(x * l)}), which no output-side hook can express.
     */
    default NDArray transformInput(NDArray input) {
        return input;
    }

    /**
     * The adapted output.
     *
     * @param input the layer's input {@code [..., in]} after every adapter's {@link #transformInput}
     * @param output the base layer's output {@code [..., out]} (or the previous adapter's)
     */
    NDArray adapt(NDArray input, NDArray output);

    /** Whether this adapter currently takes part in the forward pass. */
    default boolean isActive() {
        return true;
    }
}
