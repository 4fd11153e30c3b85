package dev.mmpeft.models.vision;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.VisionConfig;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.LayerNorm;

/**
 * transformers' {@code InstructBlipEncoderLayer}, a pre-norm transformer layer:
 * {@code x + self_attn(layer_norm1(x))}, then {@code + mlp(layer_norm2(.))}.
 */
public final class VisionEncoderLayer extends HfBlock {
    private final VisionAttention selfAttn;
    private final LayerNorm layerNorm1;
    private final VisionMlp mlp;
    private final LayerNorm layerNorm2;

    public VisionEncoderLayer(VisionConfig config) {
        float eps = (float) config.layerNormEps();
        this.selfAttn = child("self_attn", new VisionAttention(config));
        this.layerNorm1 = child("layer_norm1", new LayerNorm(config.hiddenSize(), eps));
        this.mlp = child("mlp", new VisionMlp(config));
        this.layerNorm2 = child("layer_norm2", new LayerNorm(config.hiddenSize(), eps));
    }

    public VisionAttention selfAttn() {
        return selfAttn;
    }

    public NDArray forward(NDArray x) {
        NDArray h = selfAttn.forward(layerNorm1.forward(x)).add(x);
        return mlp.forward(layerNorm2.forward(h)).add(h);
    }
}
