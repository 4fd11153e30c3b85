package dev.mmpeft.models.llama;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.KvCache;
import dev.mmpeft.models.nn.RmsNorm;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code LlamaDecoderLayer}: pre-norm residual attention ({@code input_layernorm},
 * {@code self_attn}) and feed-forward ({@code post_attention_layernorm}, {@code mlp}).
 */
public final class LlamaDecoderLayer extends HfBlock {
    private final LlamaAttention selfAttn;
    private final LlamaMlp mlp;
    private final RmsNorm inputLayernorm;
    private final RmsNorm postAttentionLayernorm;

    LlamaDecoderLayer(LlamaConfig config) {
        this.selfAttn = child("self_attn", new LlamaAttention(config));
        this.mlp = child("mlp", new LlamaMlp(config));
        this.inputLayernorm = child("input_layernorm", new RmsNorm(config.hiddenSize(), config.rmsNormEps()));
        this.postAttentionLayernorm = child("post_attention_layernorm", new RmsNorm(config.hiddenSize(), config.rmsNormEps()));
    }

    public LlamaAttention selfAttn() {
        return selfAttn;
    }

    public LlamaMlp mlp() {
        return mlp;
    }

    /**
     * @param isolatedLeading leading positions of {@code h} that are isolated tokens in this pass,
     *     passed to input adapters ({@link dev.mmpeft.models.nn.InputAdapter})
     */
    NDArray forward(NDArray h, NDArray cos, NDArray sin, NDArray bias, @Nullable KvCache cache, int index,
            NDArray @Nullable [] prefix, int isolatedLeading) {
        NDArray normed = selfAttn.adaptInput(inputLayernorm.forward(h), isolatedLeading);
        NDArray x = selfAttn.residual(selfAttn.forward(normed, cos, sin, bias, cache, index, prefix), h, null);
        return mlp.residual(mlp.forward(mlp.adaptInput(postAttentionLayernorm.forward(x), isolatedLeading)), x, null);
    }
}
