package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Something a PEFT method attaches where a residual sub-layer's output joins the residual stream
 * ({@link SublayerBlock#residual}): it sees the sub-layer's output, the residual input and the
 * block's post-norm, and returns what the block passes on. Bottleneck adapters (Houlsby, Pfeiffer)
 * are such adapters.
 *
 * <p>Why at the residual and not on a linear layer: the bottleneck-adapter literature (and
 * AdapterHub's {@code bottleneck_layer_forward}) places the adapter between the sub-layer's output
 * and the residual sum, and the Pfeiffer variant reads the sum itself.
 */
public interface ResidualAdapter {
    /**
     * What the sub-layer passes on.
     *
     * @param output the sub-layer's output {@code f} (after its dropout)
     * @param input the residual input {@code x} (the sub-layer's input)
     * @param norm the block's post-norm ({@code LayerNorm} of BERT-style layers), or null for pre-norm
     *     blocks; without adapters the block computes {@code x + f} or {@code norm(f + x)}
     */
    NDArray apply(NDArray output, NDArray input, @Nullable UnaryOperator<NDArray> norm);

    /** Whether it currently computes (an inactive adapter leaves the block's own sum). */
    boolean isActive();
}
