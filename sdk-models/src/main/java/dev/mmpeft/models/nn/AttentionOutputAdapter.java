package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;

/**
 * Something a PEFT method attaches to an attention block that adds to the block's output, given
 * the block's (position-encoded) queries: LLaMA-Adapter's gated attention over learned prompts
 * (PEFT's {@code AdaptedAttention}) is one.
 */
public interface AttentionOutputAdapter {
    /**
     * The adapted output.
     *
     * @param query the block's queries {@code [batch, heads, length, headDim]}, rotary applied
     * @param output the block's output {@code [batch, length, hidden]} (after the output projection)
     */
    NDArray adapt(NDArray query, NDArray output);

    /** Whether it currently computes. */
    boolean isActive();
}
