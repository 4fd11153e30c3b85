package dev.mmpeft.models.llama;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.models.nn.Attention;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.KvCache;
import dev.mmpeft.models.nn.Linear;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code LlamaAttention}: {@code q_proj}, {@code k_proj}, {@code v_proj},
 * {@code o_proj} (biased when {@code attention_bias}), rotary embeddings on queries and keys,
 * grouped-query attention ({@code num_key_value_heads} shared by groups of query heads), scores
 * scaled by {@code head_dim^-0.5}.
 */
public final class LlamaAttention extends HfBlock {
    private final int heads;
    private final int kvHeads;
    private final float scaling;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear oProj;

    LlamaAttention(LlamaConfig config) {
        this.heads = config.numAttentionHeads();
        this.kvHeads = config.numKeyValueHeads();
        int headDim = config.headDim();
        this.scaling = (float) Math.pow(headDim, -0.5);
        boolean bias = config.attentionBias();
        this.qProj = child("q_proj", new Linear(config.hiddenSize(), heads * headDim, bias));
        this.kProj = child("k_proj", new Linear(config.hiddenSize(), kvHeads * headDim, bias));
        this.vProj = child("v_proj", new Linear(config.hiddenSize(), kvHeads * headDim, bias));
        this.oProj = child("o_proj", new Linear(heads * headDim, config.hiddenSize(), bias));
    }

    public Linear qProj() {
        return qProj;
    }

    public Linear kProj() {
        return kProj;
    }

    public Linear vProj() {
        return vProj;
    }

    public Linear oProj() {
        return oProj;
    }

    NDArray forward(NDArray x, NDArray cos, NDArray sin, NDArray bias, @Nullable KvCache cache, int layerIndex) {
        NDArray q = RotaryEmbedding.apply(Attention.splitHeads(qProj.forward(x), heads), cos, sin);
        NDArray k = RotaryEmbedding.apply(Attention.splitHeads(kProj.forward(x), kvHeads), cos, sin);
        NDArray v = Attention.splitHeads(vProj.forward(x), kvHeads);
        if (cache != null) {
            NDArray[] full = cache.append(layerIndex, k, v);
            k = full[0];
            v = full[1];
        }
        // LlamaConfig.attention_dropout defaults to 0 and InstructBLIP's Vicuna keeps it there
        NDArray context = Attention.attend(q, k, v, scaling, bias, 0f, isTraining());
        return oProj.forward(Attention.mergeHeads(context));
    }
}
