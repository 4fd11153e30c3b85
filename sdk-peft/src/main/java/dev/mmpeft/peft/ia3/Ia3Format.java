package dev.mmpeft.peft.ia3;

import static dev.mmpeft.peft.format.ConfigJson.bool;
import static dev.mmpeft.peft.format.ConfigJson.stringList;
import static dev.mmpeft.peft.format.ConfigJson.strings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.format.TargetFields;
import java.util.Map;
import java.util.TreeMap;

/**
 * IA3's {@code adapter_config.json}, exactly as PEFT's {@code IA3Config} writes and reads it: the keys
 * of its {@code to_dict()} (PEFT 0.15 and later), sorted as {@code json.dumps(sort_keys=True)} sorts
 * them, lists where PEFT holds sets.
 */
final class Ia3Format {
    private Ia3Format() {}

    /**
     * The file content ({@code inference_mode} true, as {@code save_pretrained} sets it).
     *
     * @throws IllegalStateException if component targets are still unresolved
     */
    static ObjectNode write(Ia3Config c) {
        if (!c.targetComponents().isEmpty() || !c.trainComponents().isEmpty()) {
            throw new IllegalStateException("component targets must be resolved to module names before writing adapter_config.json");
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> m = new TreeMap<>();
        m.put("auto_mapping", f.nullNode());
        m.put("base_model_name_or_path", c.baseModelNameOrPath().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("exclude_modules", c.excludeRegex().<JsonNode>map(f::textNode)
                .orElse(c.excludeModules().isEmpty() ? f.nullNode() : strings(c.excludeModules())));
        m.put("fan_in_fan_out", f.booleanNode(false));
        m.put("feedforward_modules", c.feedforwardRegex().<JsonNode>map(f::textNode)
                .orElse(c.feedforwardModules().<JsonNode>map(l -> strings(l)).orElse(f.nullNode())));
        m.put("inference_mode", f.booleanNode(true));
        m.put("init_ia3_weights", f.booleanNode(c.initIa3Weights()));
        m.put("modules_to_save", c.modulesToSave().isEmpty() ? f.nullNode() : strings(c.modulesToSave()));
        m.put("peft_type", f.textNode(Ia3Config.PEFT_TYPE));
        m.put("revision", c.revision().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("target_modules", c.targetRegex().<JsonNode>map(f::textNode).orElse(strings(c.targetModules())));
        m.put("task_type", c.taskType().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        ObjectNode root = f.objectNode();
        m.forEach(root::set);
        return root;
    }

    /** Reads the file content; values this SDK cannot honour are refused with a message naming the key. */
    static Ia3Config read(JsonNode root, String source) {
        Ia3Config.Builder b = Ia3Config.builder();
        try {
            TargetFields.read(root, source, b);
            JsonNode ff = root.get("feedforward_modules");
            if (ff != null && !ff.isNull()) {
                if (ff.isTextual()) {
                    b.feedforwardRegex(ff.textValue());
                } else {
                    b.feedforwardModules(stringList(ff, "feedforward_modules", source));
                }
            }
            bool(root, "init_ia3_weights", source).ifPresent(b::initIa3Weights);
            bool(root, "fan_in_fan_out", source).ifPresent(b::fanInFanOut);
            return b.build();
        } catch (PeftException e) {
            if (e.getMessage().startsWith(source)) {
                throw e;
            }
            throw new PeftException(source + ": " + e.getMessage(), e);
        }
    }
}
