package dev.mmpeft.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * transformers' {@code LlavaConfig} ({@code model_type: "llava"}): a CLIP vision tower
 * ({@link ClipVisionConfig}), the {@code multi_modal_projector} MLP and a LLaMA/Vicuna language
 * model ({@link LlamaConfig}), with transformers' defaults (LLaVA-1.5).
 *
 * <p>Why a typed value: the feature layer, the select strategy and the image token decide how many
 * image features reach the language model, and a wrong one must fail when the file is read, naming
 * the field, not deep inside a forward pass.
 */
@Value.Immutable
public abstract class LlavaConfig implements ModelConfig {
    /** The {@code model_type} of this config in Hugging Face files. */
    public static final String MODEL_TYPE = "llava";
    /** The strategy that drops the CLS position of the selected hidden states. */
    public static final String STRATEGY_DEFAULT = "default";
    /** The strategy that keeps every position, CLS included. */
    public static final String STRATEGY_FULL = "full";

    @Override
    public String modelType() {
        return MODEL_TYPE;
    }

    public abstract ClipVisionConfig visionConfig();

    public abstract LlamaConfig textConfig();

    /** The id of the {@code <image>} placeholder ({@code image_token_index}, alias {@code image_token_id}). */
    @Value.Default
    public int imageTokenId() {
        return 32000;
    }

    /** The projector's activation between {@code linear_1} and {@code linear_2}. */
    @Value.Default
    public String projectorHiddenAct() {
        return "gelu";
    }

    /** {@value #STRATEGY_DEFAULT} (drop CLS) or {@value #STRATEGY_FULL} (keep it). */
    @Value.Default
    public String visionFeatureSelectStrategy() {
        return STRATEGY_DEFAULT;
    }

    /**
     * The vision hidden states the features come from, as the file gives them: indexes into
     * {@code hidden_states} (the embeddings output, then one per encoder layer), negative ones
     * counting from the end; several are concatenated along the feature axis.
     */
    @Value.Default
    public List<Integer> visionFeatureLayers() {
        return List.of(-2);
    }

    /** Whether the file wrote {@code vision_feature_layer} as a list (written back the same way). */
    @Value.Default
    public boolean visionFeatureLayerIsList() {
        return visionFeatureLayers().size() != 1;
    }

    /** transformers' {@code image_seq_length} (informational; the count follows the vision config). */
    @Value.Default
    public int imageSeqLength() {
        return 576;
    }

    @Value.Default
    public boolean multimodalProjectorBias() {
        return true;
    }

    /** The top-level {@code tie_word_embeddings}; see {@link #tiesWordEmbeddings()}. */
    @Value.Default
    public boolean tieWordEmbeddings() {
        return false;
    }

    /** The top-level {@code pad_token_id} (LLaVA-1.5 puts it there, not in the text config). */
    public abstract Optional<Integer> padTokenId();

    /**
     * Whether {@code lm_head} shares the token embeddings: the top-level flag or the text config's,
     * as transformers' {@code LlavaConfig} forwards the text config's flag.
     */
    public boolean tiesWordEmbeddings() {
        return tieWordEmbeddings() || textConfig().tieWordEmbeddings();
    }

    /** The language model's config with {@link #tiesWordEmbeddings()} applied. */
    public LlamaConfig languageModelConfig() {
        return tiesWordEmbeddings() == textConfig().tieWordEmbeddings()
                ? textConfig()
                : ImmutableLlamaConfig.copyOf(textConfig()).withTieWordEmbeddings(tiesWordEmbeddings());
    }

    /** Whether the CLS position is kept ({@code full}). */
    public boolean keepsClsFeature() {
        return STRATEGY_FULL.equals(visionFeatureSelectStrategy());
    }

    /** The feature layers as indexes {@code 0..num_hidden_layers} into the vision hidden states. */
    public List<Integer> featureLayerIndexes() {
        int states = visionConfig().numHiddenLayers() + 1;
        List<Integer> out = new ArrayList<>();
        for (int layer : visionFeatureLayers()) {
            out.add(layer < 0 ? states + layer : layer);
        }
        return out;
    }

    /** Image features (and so {@code <image>} tokens) per image: one per patch, plus CLS for {@code full}. */
    public int imageFeatureCount() {
        return visionConfig().numPatches() + (keepsClsFeature() ? 1 : 0);
    }

    @Value.Check
    protected void check() {
        String strategy = visionFeatureSelectStrategy();
        if (!STRATEGY_DEFAULT.equals(strategy) && !STRATEGY_FULL.equals(strategy)) {
            throw new ConfigException("field 'vision_feature_select_strategy' is '" + strategy + "'; expected 'default' or 'full'");
        }
        int layers = visionConfig().numHiddenLayers();
        if (visionFeatureLayers().isEmpty()) {
            throw new ConfigException("field 'vision_feature_layer' is an empty list; expected a layer index or a non-empty list of them");
        }
        for (int layer : visionFeatureLayers()) {
            if (layer < -(layers + 1) || layer > layers) {
                String found = visionFeatureLayerIsList() ? visionFeatureLayers() + ", where " + layer + " is out of range" : Integer.toString(layer);
                throw new ConfigException("field 'vision_feature_layer' is " + found + "; expected an index into the vision tower's "
                        + (layers + 1) + " hidden states (the embeddings output and vision_config.num_hidden_layers = " + layers
                        + " layers), from " + -(layers + 1) + " to " + layers);
            }
        }
        if (imageTokenId() < 0) {
            // not checked against the vocabulary: transformers' own defaults (32000 with LLaMA's 32000
            // tokens) rely on the embeddings being resized, and the placeholder is never embedded here
            throw new ConfigException("field 'image_token_index' is " + imageTokenId() + "; expected a token id >= 0");
        }
    }

    static LlavaConfig read(ConfigReader r) {
        Builder b = builder();
        b.visionConfig(r.optObject("vision_config").map(ClipVisionConfig::read).orElseGet(ClipVisionConfig::llavaDefault));
        Optional<ConfigReader> text = r.optObject("text_config");
        if (text.isPresent()) {
            String type = text.get().optString("model_type").orElse("llama");
            if (!type.equals("llama")) {
                throw text.get().invalid("model_type", "is '" + type + "'; mmpeft's LLaVA supports a 'llama' language model (LLaMA, Vicuna)");
            }
            b.textConfig(LlamaConfig.read(text.get()));
        } else {
            b.textConfig(LlamaConfig.builder().build());
        }
        Optional<Integer> imageToken = r.optInt("image_token_index");
        if (imageToken.isEmpty()) {
            imageToken = r.optInt("image_token_id");
        }
        imageToken.ifPresent(b::imageTokenId);
        r.optString("projector_hidden_act").ifPresent(b::projectorHiddenAct);
        r.optString("vision_feature_select_strategy").ifPresent(b::visionFeatureSelectStrategy);
        if (r.has("vision_feature_layer")) {
            JsonNode layer = r.node().get("vision_feature_layer");
            List<Integer> layers = new ArrayList<>();
            if (layer.isArray()) {
                for (JsonNode l : layer) {
                    if (!l.isIntegralNumber() || !l.canConvertToInt()) {
                        throw r.invalid("vision_feature_layer", "must be an integer or a list of integers, found " + layer);
                    }
                    layers.add(l.intValue());
                }
                b.visionFeatureLayerIsList(true);
            } else {
                if (!layer.isIntegralNumber() || !layer.canConvertToInt()) {
                    throw r.invalid("vision_feature_layer", "must be an integer or a list of integers, found " + layer);
                }
                layers.add(layer.intValue());
                b.visionFeatureLayerIsList(false);
            }
            b.visionFeatureLayers(layers);
        }
        r.optInt("image_seq_length").ifPresent(b::imageSeqLength);
        r.optBoolean("multimodal_projector_bias").ifPresent(b::multimodalProjectorBias);
        r.optBoolean("tie_word_embeddings").ifPresent(b::tieWordEmbeddings);
        r.optTokenId("pad_token_id").ifPresent(b::padTokenId);
        return Configs.build(r, b::build);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode n = Json.mapper().createObjectNode();
        n.putArray("architectures").add("LlavaForConditionalGeneration");
        n.put("model_type", MODEL_TYPE);
        n.put("image_token_index", imageTokenId());
        n.put("projector_hidden_act", projectorHiddenAct());
        n.put("vision_feature_select_strategy", visionFeatureSelectStrategy());
        if (visionFeatureLayerIsList()) {
            ArrayNode a = n.putArray("vision_feature_layer");
            visionFeatureLayers().forEach(a::add);
        } else {
            n.put("vision_feature_layer", visionFeatureLayers().get(0));
        }
        n.put("image_seq_length", imageSeqLength());
        n.put("multimodal_projector_bias", multimodalProjectorBias());
        n.put("tie_word_embeddings", tieWordEmbeddings());
        padTokenId().ifPresent(p -> n.put("pad_token_id", p));
        n.set("vision_config", visionConfig().toJson());
        n.set("text_config", textConfig().toJson());
        return n;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The builder of a {@link LlavaConfig}. */
    public static class Builder extends ImmutableLlavaConfig.Builder {}
}
