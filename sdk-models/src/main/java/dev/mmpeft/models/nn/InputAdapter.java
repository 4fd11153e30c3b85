package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;

/**
 * Something a PEFT method attaches before a residual sub-layer ({@link SublayerBlock#adaptInput}):
 * it rewrites the sub-layer's normalised input, {@code f(adapter(norm(x)))} in a pre-norm layer.
 * LaVIN's MM-Adapter (RepAdapters with a modality router in front of self-attention) is one.
 *
 * <p>Why a hook of its own: {@link ResidualAdapter}s see the sub-layer's output and the residual
 * sum, {@link LinearAdapter}s one projection; an adapter on the normalised input that feeds all
 * of {@code q}, {@code k} and {@code v} at once fits neither.
 */
public interface InputAdapter {
    /**
     * The input the sub-layer computes with.
     *
     * @param input the normalised input {@code [batch, length, width]}
     * @param isolatedLeading how many leading positions of {@code input} are isolated tokens in this
     *     pass ({@link dev.mmpeft.models.llama.LlamaTransformer#isolateLeadingPositions}): tokens
     *     that only they themselves attend to, such as LaVIN's modality token; 0 when there are
     *     none, and in incremental decoding steps, whose input holds only new positions
     */
    NDArray adapt(NDArray input, int isolatedLeading);

    /** Whether it currently computes (an inactive adapter leaves the input as it is). */
    boolean isActive();
}
