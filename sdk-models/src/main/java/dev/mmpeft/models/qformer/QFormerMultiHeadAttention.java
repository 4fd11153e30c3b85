package dev.mmpeft.models.qformer;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.models.nn.Attention;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code InstructBlipQFormerMultiHeadAttention} (BERT's {@code BertSelfAttention}):
 * {@code query}, {@code key}, {@code value} projections, scores scaled by {@code 1/sqrt(head_dim)},
 * an additive mask, softmax, dropout on the probabilities. For cross-attention the keys and values
 * come from the image features ({@code encoder_hidden_size} wide).
 */
public final class QFormerMultiHeadAttention extends HfBlock {
    private final int heads;
    private final float scale;
    private final float dropout;
    private final Linear query;
    private final Linear key;
    private final Linear value;

    public QFormerMultiHeadAttention(BertLayerSpec spec, boolean crossAttention) {
        int hidden = spec.hiddenSize();
        int kvIn = crossAttention ? spec.encoderHiddenSize() : hidden;
        this.heads = spec.numAttentionHeads();
        this.scale = (float) (1.0 / Math.sqrt(hidden / heads));
        this.dropout = spec.attentionDropout();
        this.query = child("query", new Linear(hidden, hidden, true));
        this.key = child("key", new Linear(kvIn, hidden, true));
        this.value = child("value", new Linear(kvIn, hidden, true));
    }

    /**
     * @param hidden {@code [batch, len, hidden]}, the queries' source
     * @param keyValues the keys' and values' source: {@code hidden} itself, or the image features
     * @param mask additive {@code [batch, 1, 1, keys]} or null
     */
    public NDArray forward(NDArray hidden, NDArray keyValues, @Nullable NDArray mask) {
        NDArray q = Attention.splitHeads(query.forward(hidden), heads);
        NDArray k = Attention.splitHeads(key.forward(keyValues), heads);
        NDArray v = Attention.splitHeads(value.forward(keyValues), heads);
        return Attention.eager(q, k, v, mask, scale, dropout, isTraining());
    }
}
