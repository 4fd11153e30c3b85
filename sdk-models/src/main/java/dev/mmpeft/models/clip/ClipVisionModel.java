package dev.mmpeft.models.clip;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.ClipVisionConfig;
import dev.mmpeft.models.nn.HfBlock;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * The {@code Linear} modules of a vision component, named under {@code prefix} (this model's
     * name in its parent, e.g. {@code vision_tower}): VISION_ATTN's {@code self_attn.{q,k,v,out}_proj}
     * and VISION_MLP's {@code mlp.fc1/fc2} of every encoder layer; nothing for other components.
     */
    public List<String> modulesOf(String prefix, Component part) {
        List<String> names = switch (part) {
            case VISION_ATTN -> List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj");
            case VISION_MLP -> List.of("mlp.fc1", "mlp.fc2");
            default -> List.of();
        };
        List<String> out = new ArrayList<>();
        for (int i = 0; i < visionModel.layers().size(); i++) {
            for (String n : names) {
                out.add(prefix + "." + VISION_MODEL + ".encoder.layers." + i + "." + n);
            }
        }
        return out;
    }
}
