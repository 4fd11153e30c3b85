package dev.mmpeft.models.clip;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.ClipVisionConfig;
import dev.mmpeft.models.nn.Attention;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.SublayerBlock;

/**
 * transformers' {@code CLIPAttention} for the vision tower: separate {@code q_proj}, {@code k_proj},
 * {@code v_proj} and {@code out_proj}, all with bias, scale {@code head_dim^-0.5}, no mask (every
 * patch sees every patch), dropout on the weights in training only.
 *
 * <p>Separate projections are what PEFT methods target by name ({@code VISION_ATTN}); as a
 * {@link SublayerBlock} it also takes adapters of its normalised input (LaVIN's adapters before
 * the image encoder's attention) and at its residual.
 */
public final class ClipAttention extends SublayerBlock {
    private final int heads;
    private final float scale;
    private final float dropout;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear outProj;

    public ClipAttention(ClipVisionConfig config) {
        super(Kind.SELF_ATTENTION, config.hiddenSize());
        int hidden = config.hiddenSize();
        this.heads = config.numAttentionHeads();
        this.scale = (float) Math.pow(hidden / heads, -0.5);
        this.dropout = (float) config.attentionDropout();
        // declaration order follows transformers' __init__
        this.kProj = child("k_proj", new Linear(hidden, hidden, true));
        this.vProj = child("v_proj", new Linear(hidden, hidden, true));
        this.qProj = child("q_proj", new Linear(hidden, hidden, true));
        this.outProj = child("out_proj", new Linear(hidden, hidden, true));
    }

    /** {@code [batch, length, hidden]} to the same shape. */
    public NDArray forward(NDArray x) {
        NDArray q = Attention.splitHeads(qProj.forward(x), heads);
        NDArray k = Attention.splitHeads(kProj.forward(x), heads);
        NDArray v = Attention.splitHeads(vProj.forward(x), heads);
        NDArray context = Attention.attend(q, k, v, scale, null, dropout, isTraining());
        return outProj.forward(Attention.mergeHeads(context));
    }
}
