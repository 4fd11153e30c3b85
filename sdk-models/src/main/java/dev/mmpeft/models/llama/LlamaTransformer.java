package dev.mmpeft.models.llama;

import dev.mmpeft.models.nn.Scopes;
import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.models.nn.Embedding;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.HfBlockList;
import dev.mmpeft.models.nn.KvCache;
import dev.mmpeft.models.nn.Masks;
import dev.mmpeft.models.nn.RmsNorm;
import org.jspecify.annotations.Nullable;

/**
 * The decoder stack under the name {@code model} (transformers' {@code LlamaModel}):
 * {@code embed_tokens}, {@code layers.N}, {@code norm}; rotary tables shared by all layers.
 */
public final class LlamaTransformer extends HfBlock {
    private final Embedding embedTokens;
    private final HfBlockList<LlamaDecoderLayer> layers;
    private final RmsNorm norm;
    private final RotaryEmbedding rotary;

    LlamaTransformer(LlamaConfig config) {
        this.embedTokens = child("embed_tokens", new Embedding(config.vocabSize(), config.hiddenSize()));
        this.layers = child("layers", new HfBlockList<>(config.numHiddenLayers(), i -> new LlamaDecoderLayer(config)));
        this.norm = child("norm", new RmsNorm(config.hiddenSize(), config.rmsNormEps()));
        this.rotary = new RotaryEmbedding(config.headDim(), config.ropeTheta());
    }

    public Embedding embedTokens() {
        return embedTokens;
    }

    public HfBlockList<LlamaDecoderLayer> layers() {
        return layers;
    }

    public RmsNorm norm() {
        return norm;
    }

    public RotaryEmbedding rotary() {
        return rotary;
    }

    /**
     * Final hidden states {@code [batch, length, hidden]}.
     *
     * @param mask {@code [batch, pastLength + length]} or null (no padding)
     * @param positions {@code [batch or 1, length]} position ids
     */
    NDArray forward(NDArray embeds, @Nullable NDArray mask, NDArray positions, @Nullable KvCache cache, int pastLength) {
        int length = (int) embeds.getShape().get(1);
        NDArray bias = Masks.causal(embeds.getManager(), mask, length, pastLength + length, pastLength);
        NDArray[] cosSin = rotary.cosSin(positions);
        NDArray h = embeds;
        for (int i = 0; i < layers.size(); i++) {
            LlamaDecoderLayer layer = layers.get(i);
            int index = i;
            if (cache == null) {
                // no cache to fill: free each layer's intermediates when it is done
                h = Scopes.perLayer(h, x -> layer.forward(x, cosSin[0], cosSin[1], bias, null, index));
            } else {
                h = layer.forward(h, cosSin[0], cosSin[1], bias, cache, i);
            }
        }
        return norm.forward(h);
    }
}
