package dev.mmpeft.models.qformer;

import ai.djl.ndarray.NDArray;

/**
 * Something a PEFT method attaches to a Q-Former's layer stack ({@link QFormerEncoder#attachLayerAdapter})
 * that sees each layer's self-attention output and rewrites the layer's output: PETAL's
 * {@code CP_scaleself}/{@code CP_shiftself} residual ({@code out + 0.1 (attn * scale + shift)}) is one.
 *
 * <p>Why on the stack and not on a sub-layer: the term reads the self-attention output but is added
 * after the feed-forward, which no residual or linear hook sees together; one hook per stack also
 * holds tensors shared by every layer.
 */
public interface QFormerLayerAdapter {
    /**
     * The layer's adapted output.
     *
     * @param layer the layer's index in the stack
     * @param selfAttentionOutput the self-attention sub-layer's output {@code [batch, len, hidden]}
     *     (every position, queries and text)
     * @param layerOutput what the layer computed {@code [batch, len, hidden]}
     */
    NDArray adapt(int layer, NDArray selfAttentionOutput, NDArray layerOutput);

    /** Whether it currently takes part in the forward pass. */
    boolean isActive();
}
