package dev.mmpeft.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import org.immutables.value.Value;

/** transformers' {@code InstructBlipVisionConfig} (the EVA ViT image encoder), with its defaults. */
@Value.Immutable
public abstract class VisionConfig implements ModelConfig {
    @Override
    public String modelType() {
        return "instructblip_vision_model";
    }

    @Value.Default
    public int hiddenSize() {
        return 1408;
    }

    @Value.Default
    public int intermediateSize() {
        return 6144;
    }

    @Value.Default
    public int numHiddenLayers() {
        return 39;
    }

    @Value.Default
    public int numAttentionHeads() {
        return 16;
    }

    @Value.Default
    public int imageSize() {
        return 224;
    }

    @Value.Default
    public int patchSize() {
        return 14;
    }

    @Value.Default
    public String hiddenAct() {
        return "gelu";
    }

    @Value.Default
    public double layerNormEps() {
        return 1e-6;
    }

    @Value.Default
    public double attentionDropout() {
        return 0.0;
    }

    @Value.Default
    public boolean qkvBias() {
        return true;
    }

    /** Patches per image side times itself. */
    public int numPatches() {
        return (imageSize() / patchSize()) * (imageSize() / patchSize());
    }

    @Value.Check
    protected void check() {
        String w = "vision_config";
        Configs.positive(w, "hidden_size", hiddenSize());
        Configs.divides(w, "hidden_size", hiddenSize(), "num_attention_heads", numAttentionHeads());
        Configs.positive(w, "intermediate_size", intermediateSize());
        Configs.nonNegative(w, "num_hidden_layers", numHiddenLayers());
        Configs.positive(w, "patch_size", patchSize());
        Configs.positive(w, "image_size", imageSize());
        if (imageSize() % patchSize() != 0) {
            throw new ConfigException("vision_config: image_size " + imageSize() + " is not a multiple of patch_size " + patchSize());
        }
        Configs.productFits(w, "image_size / patch_size", imageSize() / patchSize(), "image_size / patch_size", imageSize() / patchSize());
        Configs.nonNegative(w, "layer_norm_eps", layerNormEps());
        Configs.probability(w, "attention_dropout", attentionDropout());
    }

    static VisionConfig read(ConfigReader r) {
        Builder b = builder();
        r.optInt("hidden_size").ifPresent(b::hiddenSize);
        r.optInt("intermediate_size").ifPresent(b::intermediateSize);
        r.optInt("num_hidden_layers").ifPresent(b::numHiddenLayers);
        r.optInt("num_attention_heads").ifPresent(b::numAttentionHeads);
        r.optInt("image_size").ifPresent(b::imageSize);
        r.optInt("patch_size").ifPresent(b::patchSize);
        r.optString("hidden_act").ifPresent(b::hiddenAct);
        r.optDouble("layer_norm_eps").ifPresent(b::layerNormEps);
        r.optDouble("attention_dropout").ifPresent(b::attentionDropout);
        r.optBoolean("qkv_bias").ifPresent(b::qkvBias);
        return Configs.build(r, b::build);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("model_type", modelType());
        n.put("hidden_size", hiddenSize());
        n.put("intermediate_size", intermediateSize());
        n.put("num_hidden_layers", numHiddenLayers());
        n.put("num_attention_heads", numAttentionHeads());
        n.put("image_size", imageSize());
        n.put("patch_size", patchSize());
        n.put("hidden_act", hiddenAct());
        n.put("layer_norm_eps", layerNormEps());
        n.put("attention_dropout", attentionDropout());
        n.put("qkv_bias", qkvBias());
        return n;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link VisionConfig}; {@code build()} validates it. */
    public static class Builder extends ImmutableVisionConfig.Builder {}
}
