package dev.mmpeft.models.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.config.VisionConfig;
import dev.mmpeft.models.nn.Attention;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;

/**
 * transformers' {@code InstructBlipAttention}: one fused {@code qkv} projection (its bias, when
 * {@code qkv_bias}, is {@code cat(q_bias, k_bias, v_bias)} of length {@code 3 * hidden}; the key
 * part starts at zero) and an output {@code projection}; no attention mask.
 */
public final class VisionAttention extends HfBlock {
    private final int heads;
    private final float scale;
    private final float dropout;
    private final Linear qkv;
    private final Linear projection;

    public VisionAttention(VisionConfig config) {
        int hidden = config.hiddenSize();
        this.heads = config.numAttentionHeads();
        this.scale = (float) Math.pow(hidden / heads, -0.5);
        this.dropout = (float) config.attentionDropout();
        this.qkv = child("qkv", new Linear(hidden, 3 * hidden, config.qkvBias()));
        this.projection = child("projection", new Linear(hidden, hidden, true));
    }

    public Linear qkv() {
        return qkv;
    }

    public Linear projection() {
        return projection;
    }

    public NDArray forward(NDArray x) {
        Shape s = x.getShape();
        long batch = s.get(0);
        long len = s.get(1);
        long headDim = s.get(2) / heads;
        // [B, L, 3, H, D] -> [3, B, H, L, D], as transformers permutes mixed_qkv
        NDArray mixed = qkv.forward(x).reshape(new Shape(batch, len, 3, heads, headDim)).transpose(2, 0, 3, 1, 4);
        NDArray q = mixed.get(0);
        NDArray k = mixed.get(1);
        NDArray v = mixed.get(2);
        NDArray context = Attention.eager(q, k, v, null, scale, dropout, isTraining());
        return projection.forward(context);
    }
}
