package dev.mmpeft.models.t5;

import dev.mmpeft.models.nn.Scopes;
import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.models.nn.Dropouts;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.HfBlockList;
import dev.mmpeft.models.nn.KvCache;
import dev.mmpeft.models.nn.Masks;
import dev.mmpeft.models.nn.RmsNorm;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code T5Stack}, the encoder or the decoder: {@code block.N} and
 * {@code final_layer_norm}. Its token embedding is the model's {@code shared} table (not a
 * parameter of its own), so the stack takes embeddings.
 *
 * <p>The relative position bias is computed by block 0 and, with the mask folded in, shared by
 * every block, as transformers does.
 */
public final class T5Stack extends HfBlock {
    private final boolean decoder;
    private final float dropout;
    private final HfBlockList<T5Block> block;
    private final RmsNorm finalLayerNorm;

    T5Stack(T5Config config, boolean decoder) {
        this.decoder = decoder;
        this.dropout = (float) config.dropoutRate();
        int layers = decoder ? config.numDecoderLayers() : config.numLayers();
        this.block = child("block", new HfBlockList<>(layers, i -> new T5Block(config, i == 0, decoder)));
        this.finalLayerNorm = child("final_layer_norm", new RmsNorm(config.dModel(), config.layerNormEpsilon()));
    }

    public boolean isDecoder() {
        return decoder;
    }

    /** The blocks, {@code block.0} first. */
    public HfBlockList<T5Block> blocks() {
        return block;
    }

    /**
     * Runs the stack.
     *
     * @param embeds {@code [batch, length, d_model]}
     * @param mask {@code [batch, pastLength + length]} (1 = token, 0 = padding) or null for all ones
     * @param encoderHidden decoder only: the encoder output, or null for no cross-attention
     * @param crossBias decoder only: the encoder padding bias {@code [batch, 1, 1, sourceLength]}
     * @param pastLength positions already in {@code selfCache}
     */
    NDArray forward(
            NDArray embeds,
            @Nullable NDArray mask,
            @Nullable NDArray encoderHidden,
            @Nullable NDArray crossBias,
            @Nullable KvCache selfCache,
            @Nullable KvCache crossCache,
            int pastLength) {
        int length = (int) embeds.getShape().get(1);
        int keys = pastLength + length;
        NDArray bias = block.get(0).selfAttention().positionBias(embeds, length, keys, pastLength);
        if (decoder) {
            bias = bias.add(Masks.causal(embeds.getManager(), mask, length, keys, pastLength));
        } else if (mask != null) {
            bias = bias.add(Masks.padding(mask));
        }
        NDArray h = Dropouts.apply(embeds, dropout, isTraining());
        for (int i = 0; i < block.size(); i++) {
            T5Block b = block.get(i);
            int index = i;
            NDArray biasForBlock = bias;
            if (selfCache == null && crossCache == null) {
                // no cache to fill: free each block's intermediates when it is done
                h = Scopes.perLayer(h, x -> b.forward(x, biasForBlock, encoderHidden, crossBias, null, null, index));
            } else {
                h = b.forward(h, bias, encoderHidden, crossBias, selfCache, crossCache, i);
            }
        }
        return Dropouts.apply(finalLayerNorm.forward(h), dropout, isTraining());
    }
}
