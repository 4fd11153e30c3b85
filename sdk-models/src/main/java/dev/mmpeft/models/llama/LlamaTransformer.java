package dev.mmpeft.models.llama;

import dev.mmpeft.models.nn.Scopes;
import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.models.nn.Embedding;
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
 * The decoder stack under the name {@code model} (transformers' {@code LlamaModel}):
 * {@code embed_tokens}, {@code layers.N}, {@code norm}; rotary tables shared by all layers.
 *
 * <p>Attached {@link KeyValuePrefixes} act as transformers' {@code past_key_values} of length
 * {@code P}: the mask gets {@code P} leading ones, the real positions are numbered from {@code P}
 * (transformers' {@code cache_position}, which is also what {@code generate} derives from the
 * extended mask), and each layer puts its prefix before its keys and values.
 */
public final class LlamaTransformer extends HfBlock implements PrefixableStack {
    private final Embedding embedTokens;
    private final HfBlockList<LlamaDecoderLayer> layers;
    private final RmsNorm norm;
    private final RotaryEmbedding rotary;
    private final int kvHeads;
    private final int headDim;
    private final int width;
    private final Hooks<KeyValuePrefixes> prefixes = new Hooks<>(KeyValuePrefixes::isActive);
    private int isolatedLeading;

    LlamaTransformer(LlamaConfig config) {
        this.kvHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
        this.width = config.hiddenSize();
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

    @Override
    public int selfAttentionLayers() {
        return layers.size();
    }

    @Override
    public int keyValueHeads() {
        return kvHeads;
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
        return false;
    }

    @Override
    public boolean takesPastKeyValues() {
        return true;
    }

    @Override
    public void attachPrefixes(String name, KeyValuePrefixes p) {
        prefixes.attach(name, p, this::child);
    }

    @Override
    public boolean detachPrefixes(String name) {
        return prefixes.detach(name, this::removeChild);
    }

    /**
     * Makes the first {@code count} positions of every sequence isolated tokens: each attends only
     * to itself and no other position attends to it (in the KV cache too), so the other positions
     * compute exactly what they would without them. Input adapters are told, per pass, how many
     * isolated positions lead the input ({@link dev.mmpeft.models.nn.InputAdapter#adapt}).
     *
     * <p>Why: LaVIN puts a learned modality token at position 0 for its MM-Adapters' routers to
     * read in every layer, hidden from the text (released code: {@code mask[:, :, 1:, 0] = -inf}).
     * A model family that owns such tokens sets this once, when it builds its language model.
     *
     * @throws IllegalArgumentException for a negative count
     */
    public void isolateLeadingPositions(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("isolated leading positions must be >= 0, got " + count);
        }
        this.isolatedLeading = count;
    }

    /** The number of isolated leading positions (0 unless set). */
    public int isolatedLeadingPositions() {
        return isolatedLeading;
    }

    /**
     * Final hidden states {@code [batch, length, hidden]}.
     *
     * @param mask {@code [batch, pastLength + length]} or null (no padding)
     * @param positions {@code [batch or 1, length]} position ids (of the real tokens; attached
     *     prefixes shift them by their length)
     */
    NDArray forward(NDArray embeds, @Nullable NDArray mask, NDArray positions, @Nullable KvCache cache, int pastLength) {
        int length = (int) embeds.getShape().get(1);
        KeyValuePrefixes prefix = prefixes.active();
        int p = prefix == null ? 0 : prefix.length();
        int past = p + pastLength;
        NDArray fullMask = mask == null ? null : Masks.withPrefix(mask, p);
        NDArray bias = Masks.isolate(Masks.causal(embeds.getManager(), fullMask, length, past + length, past),
                p, isolatedLeading, past);
        // the isolated tokens lead the input only when nothing is cached before it
        int leading = pastLength == 0 ? isolatedLeading : 0;
        NDArray[] cosSin = rotary.cosSin(p == 0 ? positions : positions.add(p));
        long batch = embeds.getShape().get(0);
        NDArray h = embeds;
        for (int i = 0; i < layers.size(); i++) {
            LlamaDecoderLayer layer = layers.get(i);
            int index = i;
            if (cache == null) {
                // no cache to fill: free each layer's intermediates when it is done
                h = Scopes.perLayer(h, layer, x -> layer.forward(x, cosSin[0], cosSin[1], bias, null, index,
                        prefix == null ? null : prefix.keysAndValues(index, x, batch), leading));
            } else {
                h = layer.forward(h, cosSin[0], cosSin[1], bias, cache, i,
                        prefix == null ? null : prefix.keysAndValues(i, h, batch), leading);
            }
        }
        return norm.forward(h);
    }
}
