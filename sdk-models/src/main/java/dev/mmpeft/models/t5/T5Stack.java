package dev.mmpeft.models.t5;

import dev.mmpeft.models.nn.Scopes;
import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.models.nn.Dropouts;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.HfBlockList;
import dev.mmpeft.models.nn.Hooks;
import dev.mmpeft.models.nn.KeyValuePrefixes;
import dev.mmpeft.models.nn.KvCache;
import dev.mmpeft.models.nn.Masks;
import dev.mmpeft.models.nn.PrefixableStack;
import dev.mmpeft.models.nn.RmsNorm;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code T5Stack}, the encoder or the decoder: {@code block.N} and
 * {@code final_layer_norm}. Its token embedding is the model's {@code shared} table (not a
 * parameter of its own), so the stack takes embeddings.
 *
 * <p>The relative position bias is computed by block 0 and, with the mask folded in, shared by
 * every block, as transformers does.
 *
 * <p>Attached {@link KeyValuePrefixes} act as transformers' {@code past_key_values} of length
 * {@code P}: queries sit at positions {@code P + pastLength ..} for the relative position bias
 * (T5's {@code cache_position}), every prefix key is visible, padding stays masked.
 */
public final class T5Stack extends HfBlock implements PrefixableStack {
    private final boolean decoder;
    private final float dropout;
    private final HfBlockList<T5Block> block;
    private final RmsNorm finalLayerNorm;
    private final int heads;
    private final int headDim;
    private final int width;
    private final Hooks<KeyValuePrefixes> prefixes = new Hooks<>(KeyValuePrefixes::isActive);

    T5Stack(T5Config config, boolean decoder) {
        this.decoder = decoder;
        this.heads = config.numHeads();
        this.headDim = config.dKv();
        this.width = config.dModel();
        this.dropout = (float) config.dropoutRate();
        int layers = decoder ? config.numDecoderLayers() : config.numLayers();
        this.block = child("block", new HfBlockList<>(layers, i -> new T5Block(config, i == 0, decoder)));
        this.finalLayerNorm = child("final_layer_norm", new RmsNorm(config.dModel(), config.layerNormEpsilon()));
    }

    public boolean isDecoder() {
        return decoder;
    }

    @Override
    public int selfAttentionLayers() {
        return block.size();
    }

    @Override
    public int keyValueHeads() {
        return heads;
    }

    @Override
    public int headDim() {
        return headDim;
    }

    @Override
    public int modelWidth() {
        return width;
    }

    @Override
    public boolean inEncoderDecoder() {
        return true;
    }

    /** The decoder: T5ForConditionalGeneration passes {@code past_key_values} to it only. */
    @Override
    public boolean takesPastKeyValues() {
        return decoder;
    }

    @Override
    public void attachPrefixes(String name, KeyValuePrefixes p) {
        prefixes.attach(name, p, this::child);
    }

    @Override
    public boolean detachPrefixes(String name) {
        return prefixes.detach(name, this::removeChild);
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
        KeyValuePrefixes prefix = prefixes.active();
        int p = prefix == null ? 0 : prefix.length();
        // prefix positions come first: queries sit at p + pastLength .., as transformers' cache_position
        int past = p + pastLength;
        int keys = past + length;
        NDArray fullMask = mask == null ? null : Masks.withPrefix(mask, p);
        NDArray bias = block.get(0).selfAttention().positionBias(embeds, length, keys, past);
        if (decoder) {
            bias = bias.add(Masks.causal(embeds.getManager(), fullMask, length, keys, past));
        } else if (fullMask != null) {
            bias = bias.add(Masks.padding(fullMask));
        }
        long batch = embeds.getShape().get(0);
        NDArray h = Dropouts.apply(embeds, dropout, isTraining());
        for (int i = 0; i < block.size(); i++) {
            T5Block b = block.get(i);
            int index = i;
            NDArray biasForBlock = bias;
            if (selfCache == null && crossCache == null) {
                // no cache to fill: free each block's intermediates when it is done
                h = Scopes.perLayer(h, b, x -> b.forward(x, biasForBlock, encoderHidden, crossBias, null, null, index,
                        prefix == null ? null : prefix.keysAndValues(index, x, batch)));
            } else {
                h = b.forward(h, bias, encoderHidden, crossBias, selfCache, crossCache, i,
                        prefix == null ? null : prefix.keysAndValues(i, h, batch));
            }
        }
        return Dropouts.apply(finalLayerNorm.forward(h), dropout, isTraining());
    }
}
