package dev.mmpeft.models.qformer;

import dev.mmpeft.models.nn.Scopes;
import ai.djl.ndarray.NDArray;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.HfBlockList;
import org.jspecify.annotations.Nullable;

/** The stack {@code layer.N} of BERT-style layers (transformers' {@code InstructBlipQFormerEncoder}, {@code BertEncoder}). */
public final class QFormerEncoder extends HfBlock {
    private final HfBlockList<QFormerLayer> layer;

    public QFormerEncoder(BertLayerSpec spec, int numLayers) {
        this.layer = child("layer", new HfBlockList<>(numLayers, i -> new QFormerLayer(spec, i)));
    }

    public HfBlockList<QFormerLayer> layers() {
        return layer;
    }

    public NDArray forward(NDArray hidden, @Nullable NDArray mask, @Nullable NDArray encoderHidden, int queryLength) {
        NDArray h = hidden;
        for (QFormerLayer l : layer.items()) {
            h = Scopes.perLayer(h, x -> l.forward(x, mask, encoderHidden, queryLength));
        }
        return h;
    }
}
