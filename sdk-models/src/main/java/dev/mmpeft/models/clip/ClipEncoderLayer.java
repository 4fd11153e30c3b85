package dev.mmpeft.models.clip;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.ClipVisionConfig;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.LayerNorm;

/**
 * transformers' {@code CLIPEncoderLayer}, pre-norm: {@code h = x + self_attn(layer_norm1(x))},
 * then {@code h + mlp(layer_norm2(h))}, layer norms with the config's {@code layer_norm_eps}.
 * Adapters attached to the two sub-layers ({@link dev.mmpeft.models.nn.SublayerBlock}) act on
 * each normalised input and at each residual; with none attached the sums are the plain ones.
 */
public final class ClipEncoderLayer extends HfBlock {
    private final ClipAttention selfAttn;
    private final LayerNorm layerNorm1;
    private final ClipMlp mlp;
    private final LayerNorm layerNorm2;

    public ClipEncoderLayer(ClipVisionConfig config) {
        float eps = (float) config.layerNormEps();
        this.selfAttn = child("self_attn", new ClipAttention(config));
        this.layerNorm1 = child("layer_norm1", new LayerNorm(config.hiddenSize(), eps));
        this.mlp = child("mlp", new ClipMlp(config));
        this.layerNorm2 = child("layer_norm2", new LayerNorm(config.hiddenSize(), eps));
    }

    public ClipAttention selfAttn() {
        return selfAttn;
    }

    public ClipMlp mlp() {
        return mlp;
    }

    public NDArray forward(NDArray x) {
        NDArray h = selfAttn.residual(selfAttn.forward(selfAttn.adaptInput(layerNorm1.forward(x), 0)), x, null);
        return mlp.residual(mlp.forward(mlp.adaptInput(layerNorm2.forward(h), 0)), h, null);
    }
}
