package dev.mmpeft.models.qformer;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.SublayerBlock;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code InstructBlipQFormerAttention} (BERT's {@code BertAttention}): the multi-head
 * attention (named {@code attention} in the Q-Former, {@code self} in BERT) and its {@code output}.
 */
public final class QFormerAttention extends HfBlock {
    private final QFormerMultiHeadAttention attention;
    private final QFormerOutput output;

    public QFormerAttention(BertLayerSpec spec, boolean crossAttention) {
        this.attention = child(spec.innerAttentionName(), new QFormerMultiHeadAttention(spec, crossAttention));
        this.output = child("output", new QFormerOutput(spec.hiddenSize(), spec,
                crossAttention ? SublayerBlock.Kind.CROSS_ATTENTION : SublayerBlock.Kind.SELF_ATTENTION));
    }

    /** Self-attention over {@code hidden} with an additive {@code mask} (or none). */
    public NDArray forward(NDArray hidden, @Nullable NDArray mask) {
        return output.forward(attention.forward(hidden, hidden, mask), hidden);
    }

    /** Cross-attention from {@code hidden} to {@code encoderHidden}, every key visible. */
    public NDArray forwardCross(NDArray hidden, NDArray encoderHidden) {
        return output.forward(attention.forward(hidden, encoderHidden, null), hidden);
    }
}
