package dev.mmpeft.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import org.immutables.value.Value;

/**
 * transformers' {@code CLIPVisionConfig} ({@code model_type: "clip_vision_model"}), the image
 * encoder of LLaVA-style models, with transformers' defaults (those of
 * {@code openai/clip-vit-base-patch32}).
 *
 * <p>Why its own type rather than {@link VisionConfig}: CLIP differs from InstructBLIP's EVA ViT in
 * its defaults (quick-GELU, {@code layer_norm_eps} 1e-5, patch 32), in having separate
 * {@code q/k/v_proj} and a {@code pre_layrnorm}, and in its {@code model_type}.
 */
@Value.Immutable
public abstract class ClipVisionConfig implements ModelConfig {
    /** The {@code model_type} of this config in Hugging Face files. */
    public static final String MODEL_TYPE = "clip_vision_model";

    @Override
    public String modelType() {
        return MODEL_TYPE;
    }

    @Value.Default
    public int hiddenSize() {
        return 768;
    }

    @Value.Default
    public int intermediateSize() {
        return 3072;
    }

    /** Width of CLIP's visual projection; LLaVA does not use it (kept so the file round-trips). */
    @Value.Default
    public int projectionDim() {
        return 512;
    }

    @Value.Default
    public int numHiddenLayers() {
        return 12;
    }

    @Value.Default
    public int numAttentionHeads() {
        return 12;
    }

    @Value.Default
    public int numChannels() {
        return 3;
    }

    @Value.Default
    public int imageSize() {
        return 224;
    }

    @Value.Default
    public int patchSize() {
        return 32;
    }

    @Value.Default
    public String hiddenAct() {
        return "quick_gelu";
    }

    @Value.Default
    public double layerNormEps() {
        return 1e-5;
    }

    @Value.Default
    public double attentionDropout() {
        return 0.0;
    }

    /** Patches per image: {@code (image_size // patch_size)^2}. */
    public int numPatches() {
        int side = imageSize() / patchSize();
        return side * side;
    }

    /** Positions of the encoder's sequence: the class token and one per patch. */
    public int numPositions() {
        return numPatches() + 1;
    }

    @Value.Check
    protected void check() {
        Configs.positive("vision_config", "hidden_size", hiddenSize());
        Configs.positive("vision_config", "intermediate_size", intermediateSize());
        Configs.positive("vision_config", "num_hidden_layers", numHiddenLayers());
        Configs.divides("vision_config", "hidden_size", hiddenSize(), "num_attention_heads", numAttentionHeads());
        Configs.positive("vision_config", "num_channels", numChannels());
        Configs.positive("vision_config", "patch_size", patchSize());
        Configs.positive("vision_config", "image_size", imageSize());
        if (imageSize() < patchSize()) {
            // a size that is not a multiple of the patch is fine: the strided convolution drops the
            // remainder, as transformers' num_patches = (image_size // patch_size) ** 2 does
            throw new ConfigException("vision_config: image_size " + imageSize() + " is smaller than patch_size " + patchSize());
        }
    }

    static ClipVisionConfig read(ConfigReader r) {
        String type = r.optString("model_type").orElse(MODEL_TYPE);
        if (!type.equals(MODEL_TYPE)) {
            throw r.invalid("model_type", "is '" + type + "'; expected '" + MODEL_TYPE + "' (a CLIP vision tower)");
        }
        Builder b = builder();
        r.optInt("hidden_size").ifPresent(b::hiddenSize);
        r.optInt("intermediate_size").ifPresent(b::intermediateSize);
        r.optInt("projection_dim").ifPresent(b::projectionDim);
        r.optInt("num_hidden_layers").ifPresent(b::numHiddenLayers);
        r.optInt("num_attention_heads").ifPresent(b::numAttentionHeads);
        r.optInt("num_channels").ifPresent(b::numChannels);
        r.optInt("image_size").ifPresent(b::imageSize);
        r.optInt("patch_size").ifPresent(b::patchSize);
        r.optString("hidden_act").ifPresent(b::hiddenAct);
        r.optDouble("layer_norm_eps").ifPresent(b::layerNormEps);
        r.optDouble("attention_dropout").ifPresent(b::attentionDropout);
        return Configs.build(r, b::build);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("model_type", MODEL_TYPE);
        n.put("hidden_size", hiddenSize());
        n.put("intermediate_size", intermediateSize());
        n.put("projection_dim", projectionDim());
        n.put("num_hidden_layers", numHiddenLayers());
        n.put("num_attention_heads", numAttentionHeads());
        n.put("num_channels", numChannels());
        n.put("image_size", imageSize());
        n.put("patch_size", patchSize());
        n.put("hidden_act", hiddenAct());
        n.put("layer_norm_eps", layerNormEps());
        n.put("attention_dropout", attentionDropout());
        return n;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The builder of a {@link ClipVisionConfig}. */
    public static class Builder extends ImmutableClipVisionConfig.Builder {}

    /**
     * The vision config transformers' {@code LlavaConfig} uses when the file has no
     * {@code vision_config}: CLIP ViT-L/14 at 336 pixels (LLaVA-1.5's tower).
     */
    public static ClipVisionConfig llavaDefault() {
        return builder()
                .intermediateSize(4096)
                .hiddenSize(1024)
                .patchSize(14)
                .imageSize(336)
                .numHiddenLayers(24)
                .numAttentionHeads(16)
                .projectionDim(768)
                .build();
    }
}
