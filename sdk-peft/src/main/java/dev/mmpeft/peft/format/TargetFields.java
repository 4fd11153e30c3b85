package dev.mmpeft.peft.format;

import static dev.mmpeft.peft.format.ConfigJson.bool;
import static dev.mmpeft.peft.format.ConfigJson.stringList;
import static dev.mmpeft.peft.format.ConfigJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.peft.PeftBuilder;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.TargetingBuilder;

/**
 * The {@code adapter_config.json} keys that PEFT's configs share (targets, excludes, layers,
 * {@code modules_to_save}, base model, task type, inference mode), read into any method's builder
 * with PEFT's rules: a string {@code target_modules} is a regular expression, a list is a set of
 * names or suffixes.
 */
public final class TargetFields {
    private TargetFields() {}

    /** Reads the targeting keys and the common ones into {@code b}. */
    public static void read(JsonNode root, String source, TargetingBuilder<?> b) {
        JsonNode targets = root.get("target_modules");
        if (targets == null || targets.isNull()) {
            throw new PeftException(source + ": target_modules is missing; this SDK needs the adapter's target modules");
        } else if (targets.isTextual()) {
            b.targetRegex(targets.textValue());
        } else {
            b.targetModules(stringList(targets, "target_modules", source));
        }
        JsonNode exclude = root.get("exclude_modules");
        if (exclude != null && !exclude.isNull()) {
            if (exclude.isTextual()) {
                b.excludeRegex(exclude.textValue());
            } else {
                b.excludeModules(stringList(exclude, "exclude_modules", source));
            }
        }
        JsonNode layers = root.get("layers_to_transform");
        if (layers != null && !layers.isNull()) {
            if (layers.isIntegralNumber()) {
                b.addLayersToTransform(layers.intValue());
            } else if (layers.isArray()) {
                for (JsonNode l : layers) {
                    if (!l.isIntegralNumber()) {
                        throw new PeftException(source + ": layers_to_transform must hold integers, got " + l);
                    }
                    b.addLayersToTransform(l.intValue());
                }
            } else {
                throw new PeftException(source + ": layers_to_transform must be an integer or a list, got " + layers);
            }
        }
        JsonNode pattern = root.get("layers_pattern");
        if (pattern != null && !pattern.isNull()) {
            if (pattern.isTextual()) {
                if (!pattern.textValue().isEmpty()) {
                    b.addLayersPattern(pattern.textValue());
                }
            } else {
                b.layersPattern(stringList(pattern, "layers_pattern", source));
            }
        }
        readCommon(root, source, b);
    }

    /** Reads {@code modules_to_save}, {@code base_model_name_or_path}, {@code revision}, {@code task_type}, {@code inference_mode}. */
    public static void readCommon(JsonNode root, String source, PeftBuilder<?> b) {
        JsonNode save = root.get("modules_to_save");
        if (save != null && !save.isNull()) {
            b.modulesToSave(stringList(save, "modules_to_save", source));
        }
        text(root, "base_model_name_or_path", source).ifPresent(b::baseModelNameOrPath);
        text(root, "revision", source).ifPresent(b::revision);
        text(root, "task_type", source).ifPresent(b::taskType);
        bool(root, "inference_mode", source).ifPresent(b::inferenceMode);
    }
}
