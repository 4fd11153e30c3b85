package dev.mmpeft.models.qformer;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.models.nn.Dropouts;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.LayerNorm;
import dev.mmpeft.models.nn.Linear;

/**
 * BERT's {@code BertSelfOutput} / {@code BertOutput} (and the Q-Former's copies): {@code dense},
 * dropout, then {@code LayerNorm(x + residual)}.
 */
public final class QFormerOutput extends HfBlock {
    private final float dropout;
    private final Linear dense;
    private final LayerNorm layerNorm;

    public QFormerOutput(int in, BertLayerSpec spec) {
        this.dropout = spec.hiddenDropout();
        this.dense = child("dense", new Linear(in, spec.hiddenSize(), true));
        this.layerNorm = child("LayerNorm", new LayerNorm(spec.hiddenSize(), spec.layerNormEps()));
    }

    public NDArray forward(NDArray x, NDArray residual) {
        NDArray h = Dropouts.apply(dense.forward(x), dropout, isTraining());
        return layerNorm.forward(h.add(residual));
    }
}
