package dev.mmpeft.models.qformer;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.models.nn.Activations;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;

/** BERT's {@code BertIntermediate}: {@code act(dense(x))} into the intermediate width. */
public final class QFormerIntermediate extends HfBlock {
    private final java.util.function.UnaryOperator<NDArray> act;
    private final Linear dense;

    public QFormerIntermediate(BertLayerSpec spec) {
        this.act = Activations.of("hidden_act", spec.hiddenAct());
        this.dense = child("dense", new Linear(spec.hiddenSize(), spec.intermediateSize(), true));
    }

    public NDArray forward(NDArray x) {
        return act.apply(dense.forward(x));
    }
}
