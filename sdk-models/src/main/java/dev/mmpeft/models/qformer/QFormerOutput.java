package dev.mmpeft.models.qformer;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.models.nn.Dropouts;
import dev.mmpeft.models.nn.LayerNorm;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.SublayerBlock;

/**
 * BERT's {@code BertSelfOutput} / {@code BertOutput} (and the Q-Former's copies): {@code dense},
 * dropout, then {@code LayerNorm(x + residual)}. It is where an attention or feed-forward
 * sub-layer joins the residual stream, so residual adapters attach here (as AdapterHub's BERT
 * adapters sit in these modules).
 */
public final class QFormerOutput extends SublayerBlock {
    private final float dropout;
    private final Linear dense;
    private final LayerNorm layerNorm;

    /** @param kind what the sub-layer this output closes computes */
    public QFormerOutput(int in, BertLayerSpec spec, Kind kind) {
        super(kind, spec.hiddenSize());
        this.dropout = spec.hiddenDropout();
        this.dense = child("dense", new Linear(in, spec.hiddenSize(), true));
        this.layerNorm = child("LayerNorm", new LayerNorm(spec.hiddenSize(), spec.layerNormEps()));
    }

    public NDArray forward(NDArray x, NDArray residual) {
        NDArray h = Dropouts.apply(dense.forward(x), dropout, isTraining());
        return residual(h, residual, layerNorm::forward);
    }
}
