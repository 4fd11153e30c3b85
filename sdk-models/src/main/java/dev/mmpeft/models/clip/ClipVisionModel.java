package dev.mmpeft.models.clip;

import dev.mmpeft.core.config.ClipVisionConfig;
import dev.mmpeft.models.nn.HfBlock;

/**
 * transformers' {@code CLIPVisionModel}: the {@link ClipVisionTransformer} under {@code vision_model},
 * which is what LLaVA's {@code vision_tower} is (so its tensors are named
 * {@code vision_tower.vision_model.encoder.layers.N...}).
 */
public final class ClipVisionModel extends HfBlock {
    /** The child name transformers gives the transformer. */
    public static final String VISION_MODEL = "vision_model";

    private final ClipVisionConfig config;
    private final ClipVisionTransformer visionModel;

    public ClipVisionModel(ClipVisionConfig config) {
        this.config = config;
        this.visionModel = child(VISION_MODEL, new ClipVisionTransformer(config));
    }

    public ClipVisionConfig config() {
        return config;
    }

    public ClipVisionTransformer visionModel() {
        return visionModel;
    }
}
