package dev.mmpeft.models.llama;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.models.nn.Attention;
import dev.mmpeft.models.nn.AttentionOutputAdapter;
import dev.mmpeft.models.nn.Hooks;
import dev.mmpeft.models.nn.KvCache;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.SublayerBlock;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code LlamaAttention}: {@code q_proj}, {@code k_proj}, {@code v_proj},
 * {@code o_proj} (biased when {@code attention_bias}), rotary embeddings on queries and keys,
 * grouped-query attention ({@code num_key_value_heads} shared by groups of query heads), scores
 * scaled by {@code head_dim^-0.5}.
 *
 * <p>PEFT hooks: prefix keys/values put before the others (prefix tuning), and
 * {@link AttentionOutputAdapter}s that add to the output given the rotated queries (LLaMA-Adapter's
 * gated prompt attention).
 */
public final class LlamaAttention extends SublayerBlock {
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scaling;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear oProj;
    private final Hooks<AttentionOutputAdapter> outputAdapters = new Hooks<>(AttentionOutputAdapter::isActive);

    LlamaAttention(LlamaConfig config) {
        super(Kind.SELF_ATTENTION, config.hiddenSize());
        this.heads = config.numAttentionHeads();
        this.kvHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
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

    /** Query heads ({@code num_attention_heads}). */
    public int heads() {
        return heads;
    }

    /** Key/value heads ({@code num_key_value_heads}). */
    public int keyValueHeads() {
        return kvHeads;
    }

    /** The width of one head. */
    public int headDim() {
        return headDim;
    }

    /** Attaches an output adapter (an {@link dev.mmpeft.models.nn.HfBlock} one becomes a child named {@code name}). */
    public void attachOutputAdapter(String name, AttentionOutputAdapter adapter) {
        outputAdapters.attach(name, adapter, this::child);
    }

    /** Detaches an output adapter; returns whether one was attached under that name. */
    public boolean detachOutputAdapter(String name) {
        return outputAdapters.detach(name, this::removeChild);
    }

    /**
     * @param prefix prefix keys and values ({@code [batch, kvHeads, P, headDim]} each) put before
     *     all others, never stored in the cache; or null
     */
    NDArray forward(
            NDArray x, NDArray cos, NDArray sin, NDArray bias, @Nullable KvCache cache, int layerIndex, NDArray @Nullable [] prefix) {
        NDArray q = RotaryEmbedding.apply(Attention.splitHeads(qProj.forward(x), heads), cos, sin);
        NDArray k = RotaryEmbedding.apply(Attention.splitHeads(kProj.forward(x), kvHeads), cos, sin);
        NDArray v = Attention.splitHeads(vProj.forward(x), kvHeads);
        if (cache != null) {
            NDArray[] full = cache.append(layerIndex, k, v);
            k = full[0];
            v = full[1];
        }
        if (prefix != null) {
            k = prefix[0].concat(k, 2);
            v = prefix[1].concat(v, 2);
        }
        // LlamaConfig.attention_dropout defaults to 0 and InstructBLIP's Vicuna keeps it there
        NDArray context = Attention.attend(q, k, v, scaling, bias, 0f, isTraining());
        NDArray out = oProj.forward(Attention.mergeHeads(context));
        AttentionOutputAdapter adapter = outputAdapters.active();
        return adapter == null ? out : adapter.adapt(q, out);
    }
}
