package dev.mmpeft.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * A LaVIN model's config ({@code model_type: "lavin"}, this SDK's own type: LaVIN ships no
 * transformers config): LLaVA's layout, a CLIP vision tower ({@code vision_config}) and a LLaMA
 * ({@code text_config}), plus LaVIN's own fields, each optional with the paper's default:
 * {@code adapter_dim} (8, the MM-Adapters' inner width), {@code temperature} (the router's
 * softmax temperature: 10 for LaVIN-7B, 5 for LaVIN-13B, so the default is 5 when the language
 * model is 5120 wide or wider and 10 otherwise), {@code adapter_scale} (1), {@code hidden_proj}
 * (128, the visual adapter's inner width) and {@code vision_feature_interval} (4: the [cls] token
 * after every fourth CLIP layer is a visual feature, 6 of them for ViT-L/14).
 *
 * <p>Why a typed value: the fields decide the model's shapes and the adapters' parameter counts
 * (LaVIN's 3.8M / 5.4M), so a bad value fails when the file is read, naming the file and field.
 */
@Value.Immutable
public abstract class LavinConfig implements ModelConfig {
    /** The {@code model_type} of this config. */
    public static final String MODEL_TYPE = "lavin";

    @Override
    public String modelType() {
        return MODEL_TYPE;
    }

    public abstract ClipVisionConfig visionConfig();

    public abstract LlamaConfig textConfig();

    /** {@code adapter_dim}: the MM-Adapters' shared down-projection width (LaVIN: 8). */
    @Value.Default
    public int adapterDim() {
        return 8;
    }

    /** {@code temperature} as the file gives it; see {@link #routerTemperature()}. */
    public abstract Optional<Double> temperature();

    /** The router's softmax temperature: the file's, else 5 for a 13B-wide LLM (5120) or wider, else 10. */
    public double routerTemperature() {
        return temperature().orElse(textConfig().hiddenSize() >= 5120 ? 5.0 : 10.0);
    }

    /** {@code adapter_scale}: the factor of the adapters' up-projections (LaVIN: 1). */
    @Value.Default
    public double adapterScale() {
        return 1.0;
    }

    /** {@code hidden_proj}: the visual adapter's inner width (LaVIN: 128). */
    @Value.Default
    public int hiddenProj() {
        return 128;
    }

    /** {@code vision_feature_interval}: a [cls] feature after every this many CLIP layers (LaVIN: 4). */
    @Value.Default
    public int visionFeatureInterval() {
        return 4;
    }

    /** {@code image_token_index}: the id of the placeholder the image features replace (never embedded). */
    @Value.Default
    public int imageTokenId() {
        return 32000;
    }

    @Value.Default
    public boolean tieWordEmbeddings() {
        return false;
    }

    /** The top-level {@code pad_token_id}, if any. */
    public abstract Optional<Integer> padTokenId();

    /** The CLIP hidden states read (1-based layer outputs): every {@link #visionFeatureInterval()}-th. */
    public List<Integer> featureLayerIndexes() {
        List<Integer> out = new ArrayList<>();
        for (int i = visionFeatureInterval(); i <= visionConfig().numHiddenLayers(); i += visionFeatureInterval()) {
            out.add(i);
        }
        return out;
    }

    /** Visual tokens per image (6 for ViT-L/14's 24 layers). */
    public int imageFeatureCount() {
        return visionConfig().numHiddenLayers() / visionFeatureInterval();
    }

    /** The language model's config with the top-level {@code tie_word_embeddings} applied. */
    public LlamaConfig languageModelConfig() {
        boolean tie = tieWordEmbeddings() || textConfig().tieWordEmbeddings();
        return tie == textConfig().tieWordEmbeddings() ? textConfig() : ImmutableLlamaConfig.copyOf(textConfig()).withTieWordEmbeddings(tie);
    }

    @Value.Check
    protected void check() {
        if (adapterDim() <= 0 || adapterDim() % 2 != 0) {
            throw new ConfigException("field 'adapter_dim' is " + adapterDim()
                    + "; expected an even width > 0 (the up-projections are grouped convolutions of 2 groups)");
        }
        if (temperature().isPresent() && !(temperature().get() > 0)) {
            throw new ConfigException("field 'temperature' is " + temperature().get() + "; expected a number > 0 (LaVIN: 10 for 7B, 5 for 13B)");
        }
        if (!Double.isFinite(adapterScale())) {
            throw new ConfigException("field 'adapter_scale' is " + adapterScale() + "; expected a finite number");
        }
        if (hiddenProj() <= 0) {
            throw new ConfigException("field 'hidden_proj' is " + hiddenProj() + "; expected a width > 0 (LaVIN: 128)");
        }
        int layers = visionConfig().numHiddenLayers();
        if (visionFeatureInterval() <= 0 || visionFeatureInterval() > layers) {
            throw new ConfigException("field 'vision_feature_interval' is " + visionFeatureInterval()
                    + "; expected 1 to vision_config.num_hidden_layers = " + layers + " (LaVIN: 4)");
        }
        for (String[] w : new String[][] {{"vision_config.hidden_size", String.valueOf(visionConfig().hiddenSize())},
                {"text_config.hidden_size", String.valueOf(textConfig().hiddenSize())}}) {
            if (Integer.parseInt(w[1]) % 2 != 0) {
                throw new ConfigException("field '" + w[0] + "' is " + w[1] + "; LaVIN's adapters need an even width (2 groups)");
            }
        }
        if (imageTokenId() < 0) {
            throw new ConfigException("field 'image_token_index' is " + imageTokenId() + "; expected a token id >= 0");
        }
    }

    static LavinConfig read(ConfigReader r) {
        ImmutableLavinConfig.Builder b = ImmutableLavinConfig.builder();
        b.visionConfig(ClipVisionConfig.read(r.requireObject("vision_config")));
        ConfigReader text = r.requireObject("text_config");
        String type = text.optString("model_type").orElse("llama");
        if (!type.equals("llama")) {
            throw text.invalid("model_type", "is '" + type + "'; LaVIN's language model is a 'llama' (LLaMA, Vicuna)");
        }
        b.textConfig(LlamaConfig.read(text));
        r.optInt("adapter_dim").ifPresent(b::adapterDim);
        r.optDouble("temperature").ifPresent(b::temperature);
        r.optDouble("adapter_scale").ifPresent(b::adapterScale);
        r.optInt("hidden_proj").ifPresent(b::hiddenProj);
        r.optInt("vision_feature_interval").ifPresent(b::visionFeatureInterval);
        r.optInt("image_token_index").ifPresent(b::imageTokenId);
        r.optBoolean("tie_word_embeddings").ifPresent(b::tieWordEmbeddings);
        r.optTokenId("pad_token_id").ifPresent(b::padTokenId);
        return Configs.build(r, b::build);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("model_type", MODEL_TYPE);
        n.put("adapter_dim", adapterDim());
        temperature().ifPresent(t -> n.put("temperature", t));
        n.put("adapter_scale", adapterScale());
        n.put("hidden_proj", hiddenProj());
        n.put("vision_feature_interval", visionFeatureInterval());
        n.put("image_token_index", imageTokenId());
        n.put("tie_word_embeddings", tieWordEmbeddings());
        padTokenId().ifPresent(p -> n.put("pad_token_id", p));
        n.set("vision_config", visionConfig().toJson());
        n.set("text_config", textConfig().toJson());
        return n;
    }

    public static ImmutableLavinConfig.Builder builder() {
        return ImmutableLavinConfig.builder();
    }
}
