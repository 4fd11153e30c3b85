package dev.mmpeft.peft.lora;

import static dev.mmpeft.peft.format.ConfigJson.bool;
import static dev.mmpeft.peft.format.ConfigJson.fields;
import static dev.mmpeft.peft.format.ConfigJson.integer;
import static dev.mmpeft.peft.format.ConfigJson.number;
import static dev.mmpeft.peft.format.ConfigJson.stringList;
import static dev.mmpeft.peft.format.ConfigJson.strings;
import static dev.mmpeft.peft.format.ConfigJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.format.TargetFields;
import java.util.Map;
import java.util.TreeMap;

/** LoRA's {@code adapter_config.json}, exactly as PEFT's {@code LoraConfig} writes and reads it. */
final class LoraFormat {
    private LoraFormat() {}

    /**
     * The file content (keys sorted, {@code inference_mode} true as {@code save_pretrained} sets it):
     * every key PEFT 0.15's {@code LoraConfig.to_dict()} holds, so the file loads in PEFT 0.15 and later
     * without a warning about unexpected keys (later versions add keys with defaults of their own).
     *
     * @throws IllegalStateException if component targets are still unresolved
     */
    static ObjectNode write(LoraConfig c) {
        if (!c.targetComponents().isEmpty() || !c.trainComponents().isEmpty()) {
            throw new IllegalStateException("component targets must be resolved to module names before writing adapter_config.json");
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> m = new TreeMap<>();
        ObjectNode alpha = f.objectNode();
        new TreeMap<>(c.alphaPattern()).forEach((k, v) -> alpha.set(k, number(v)));
        m.put("alpha_pattern", alpha);
        m.put("auto_mapping", f.nullNode());
        m.put("base_model_name_or_path", c.baseModelNameOrPath().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("bias", f.textNode(c.bias().jsonValue()));
        m.put("corda_config", f.nullNode());
        m.put("eva_config", f.nullNode());
        m.put("exclude_modules", c.excludeRegex().<JsonNode>map(f::textNode)
                .orElse(c.excludeModules().isEmpty() ? f.nullNode() : strings(c.excludeModules())));
        m.put("fan_in_fan_out", f.booleanNode(false));
        m.put("inference_mode", f.booleanNode(true));
        Object init = c.initLoraWeights().jsonValue();
        m.put("init_lora_weights", init instanceof Boolean ? f.booleanNode((Boolean) init) : f.textNode((String) init));
        m.put("layer_replication", f.nullNode());
        m.put("layers_pattern", c.layersPattern().isEmpty() ? f.nullNode()
                : c.layersPattern().size() == 1 ? f.textNode(c.layersPattern().get(0)) : strings(c.layersPattern()));
        if (c.layersToTransform().isEmpty()) {
            m.put("layers_to_transform", f.nullNode());
        } else {
            ArrayNode layers = f.arrayNode();
            c.layersToTransform().forEach(layers::add);
            m.put("layers_to_transform", layers);
        }
        m.put("loftq_config", f.objectNode());
        m.put("lora_alpha", number(c.loraAlpha()));
        m.put("lora_bias", f.booleanNode(c.loraBias()));
        m.put("lora_dropout", f.numberNode(c.loraDropout()));
        m.put("megatron_config", f.nullNode());
        m.put("megatron_core", f.textNode("megatron.core"));
        m.put("modules_to_save", c.modulesToSave().isEmpty() ? f.nullNode() : strings(c.modulesToSave()));
        m.put("peft_type", f.textNode(LoraConfig.PEFT_TYPE));
        m.put("r", f.numberNode(c.r()));
        ObjectNode rank = f.objectNode();
        new TreeMap<>(c.rankPattern()).forEach(rank::put);
        m.put("rank_pattern", rank);
        m.put("revision", c.revision().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("target_modules", c.targetRegex().<JsonNode>map(f::textNode).orElse(strings(c.targetModules())));
        m.put("task_type", c.taskType().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("trainable_token_indices", f.nullNode());
        m.put("use_dora", f.booleanNode(c.useDora()));
        m.put("use_rslora", f.booleanNode(c.useRslora()));
        ObjectNode root = f.objectNode();
        m.forEach(root::set);
        return root;
    }

    /**
     * Reads the file content. Keys this SDK does not act on are ignored when they hold their neutral
     * value; features it does not implement are refused with a message naming the key.
     */
    static LoraConfig read(JsonNode root, String source) {
        for (String unsupported : new String[] {"fan_in_fan_out", "use_qalora"}) {
            JsonNode n = root.get(unsupported);
            if (n != null && n.asBoolean(false)) {
                throw new PeftException(source + ": " + unsupported + " = true is not supported (LoRA and DoRA on nn.Linear only)");
            }
        }
        for (String unsupported : new String[] {"layer_replication", "trainable_token_indices"}) {
            JsonNode n = root.get(unsupported);
            if (n != null && !n.isNull()) {
                throw new PeftException(source + ": " + unsupported + " is not supported");
            }
        }
        LoraConfig.Builder b = LoraConfig.builder();
        integer(root, "r", source).ifPresent(b::r);
        number(root, "lora_alpha", source).ifPresent(b::loraAlpha);
        number(root, "lora_dropout", source).ifPresent(b::loraDropout);
        bool(root, "use_rslora", source).ifPresent(b::useRslora);
        bool(root, "use_dora", source).ifPresent(b::useDora);
        bool(root, "lora_bias", source).ifPresent(b::loraBias);
        text(root, "bias", source).ifPresent(v -> b.bias(LoraBias.parse(v)));
        JsonNode init = root.get("init_lora_weights");
        if (init != null && !init.isNull()) {
            if (init.isBoolean()) {
                b.initLoraWeights(init.booleanValue() ? InitLoraWeights.DEFAULT : InitLoraWeights.RANDOM);
            } else if (init.isTextual() && init.textValue().equalsIgnoreCase("gaussian")) {
                b.initLoraWeights(InitLoraWeights.GAUSSIAN);
            }
            // other PEFT initialisations (pissa, olora, loftq, eva, ...) only decide the starting values;
            // a saved adapter carries its trained values, so loading does not depend on them
        }
        TargetFields.read(root, source, b);
        JsonNode rank = root.get("rank_pattern");
        if (rank != null && !rank.isNull()) {
            for (Map.Entry<String, JsonNode> e : fields(rank, "rank_pattern", source).entrySet()) {
                if (!e.getValue().isIntegralNumber()) {
                    throw new PeftException(source + ": rank_pattern['" + e.getKey() + "'] must be an integer, got " + e.getValue());
                }
                b.putRankPattern(e.getKey(), e.getValue().intValue());
            }
        }
        JsonNode alpha = root.get("alpha_pattern");
        if (alpha != null && !alpha.isNull()) {
            for (Map.Entry<String, JsonNode> e : fields(alpha, "alpha_pattern", source).entrySet()) {
                if (!e.getValue().isNumber()) {
                    throw new PeftException(source + ": alpha_pattern['" + e.getKey() + "'] must be a number, got " + e.getValue());
                }
                b.putAlphaPattern(e.getKey(), e.getValue().doubleValue());
            }
        }
        try {
            return b.build();
        } catch (PeftException e) {
            throw new PeftException(source + ": " + e.getMessage(), e);
        }
    }
}
