package dev.mmpeft.models.clip;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.ClipVisionConfig;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.HfBlockList;
import dev.mmpeft.models.nn.LayerNorm;
import dev.mmpeft.models.nn.Scopes;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * transformers' {@code CLIPVisionTransformer}: {@code embeddings}, {@code pre_layrnorm} (sic, the
 * Hugging Face name), {@code encoder.layers.N} and {@code post_layernorm}.
 *
 * <p>What LLaVA reads are hidden states, not the pooled output: {@code hidden_states[0]} is the
 * output of {@code pre_layrnorm} (the encoder's input) and {@code hidden_states[i]} the output of
 * layer {@code i}, exactly as transformers' {@code output_hidden_states=True} returns them, with no
 * final norm; {@code post_layernorm} only pools the class position. {@link #hiddenStates} runs the
 * layers only as far as the deepest state asked for (LLaVA-1.5 never runs its last layer's output
 * anywhere), which changes no number.
 */
public final class ClipVisionTransformer extends HfBlock {
    private final ClipVisionEmbeddings embeddings;
    private final LayerNorm preLayrnorm;
    private final HfBlockList<ClipEncoderLayer> layers;
    private final LayerNorm postLayernorm;

    public ClipVisionTransformer(ClipVisionConfig config) {
        float eps = (float) config.layerNormEps();
        this.embeddings = child("embeddings", new ClipVisionEmbeddings(config));
        this.preLayrnorm = child("pre_layrnorm", new LayerNorm(config.hiddenSize(), eps));
        this.layers = child("encoder", new Encoder(config)).layers;
        this.postLayernorm = child("post_layernorm", new LayerNorm(config.hiddenSize(), eps));
    }

    /** The encoder layers in order. */
    public HfBlockList<ClipEncoderLayer> layers() {
        return layers;
    }

    /**
     * The hidden states at {@code indexes} (0 = embeddings after {@code pre_layrnorm}, {@code i} =
     * after layer {@code i}), by index.
     *
     * @throws IllegalArgumentException for an index outside {@code 0..layers}
     */
    public Map<Integer, NDArray> hiddenStates(NDArray pixelValues, Collection<Integer> indexes) {
        TreeSet<Integer> wanted = new TreeSet<>(indexes);
        if (wanted.isEmpty() || wanted.first() < 0 || wanted.last() > layers.size()) {
            throw new IllegalArgumentException("hidden state indexes must lie in 0.." + layers.size() + ", got " + indexes);
        }
        Map<Integer, NDArray> out = new LinkedHashMap<>();
        NDArray h = preLayrnorm.forward(embeddings.forward(pixelValues));
        if (wanted.contains(0)) {
            out.put(0, h);
        }
        for (int i = 1; i <= wanted.last(); i++) {
            h = Scopes.perLayer(h, layers.get(i - 1), layers.get(i - 1)::forward);
            if (wanted.contains(i)) {
                out.put(i, h);
            }
        }
        return out;
    }

    /** The last hidden state {@code [batch, 1 + patches, hidden]} (no final norm, as transformers). */
    public NDArray lastHiddenState(NDArray pixelValues) {
        return hiddenStates(pixelValues, List.of(layers.size())).get(layers.size());
    }

    /** transformers' {@code pooler_output}: {@code post_layernorm} of the class position, {@code [batch, hidden]}. */
    public NDArray pooledOutput(NDArray pixelValues) {
        return postLayernorm.forward(lastHiddenState(pixelValues).get(":, 0, :"));
    }

    /** transformers' {@code CLIPEncoder}: the stack {@code layers.N}. */
    static final class Encoder extends HfBlock {
        final HfBlockList<ClipEncoderLayer> layers;

        Encoder(ClipVisionConfig config) {
            this.layers = child("layers", new HfBlockList<>(config.numHiddenLayers(), i -> new ClipEncoderLayer(config)));
        }
    }
}
