package dev.mmpeft.peft.bottleneck;

import static dev.mmpeft.peft.format.ConfigJson.integer;
import static dev.mmpeft.peft.format.ConfigJson.number;
import static dev.mmpeft.peft.format.ConfigJson.strings;
import static dev.mmpeft.peft.format.ConfigJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.peft.format.TargetFields;
import java.util.Map;
import java.util.TreeMap;

/** The {@code adapter_config.json} of {@value BottleneckConfig#PEFT_TYPE} adapters (this SDK's own layout). */
final class BottleneckFormat {
    private BottleneckFormat() {}

    /** The file content, keys sorted as PEFT writes its configs, {@code inference_mode} true as {@code save_pretrained} sets it. */
    static ObjectNode write(BottleneckConfig c) {
        if (!c.targetComponents().isEmpty() || !c.trainComponents().isEmpty()) {
            throw new IllegalStateException("component targets must be resolved to module names before writing adapter_config.json");
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> m = new TreeMap<>();
        m.put("adapter_dropout", f.numberNode(c.adapterDropout()));
        m.put("auto_mapping", f.nullNode());
        m.put("base_model_name_or_path", c.baseModelNameOrPath().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("bottleneck_size", c.bottleneckSize().isPresent() ? f.numberNode(c.bottleneckSize().getAsInt()) : f.nullNode());
        m.put("exclude_modules", c.excludeRegex().<JsonNode>map(f::textNode)
                .orElse(c.excludeModules().isEmpty() ? f.nullNode() : strings(c.excludeModules())));
        m.put("inference_mode", f.booleanNode(true));
        m.put("init_weights", f.textNode(c.initWeights().jsonValue()));
        m.put("layers_pattern", c.layersPattern().isEmpty() ? f.nullNode()
                : c.layersPattern().size() == 1 ? f.textNode(c.layersPattern().get(0)) : strings(c.layersPattern()));
        if (c.layersToTransform().isEmpty()) {
            m.put("layers_to_transform", f.nullNode());
        } else {
            ArrayNode layers = f.arrayNode();
            c.layersToTransform().forEach(layers::add);
            m.put("layers_to_transform", layers);
        }
        m.put("modules_to_save", c.modulesToSave().isEmpty() ? f.nullNode() : strings(c.modulesToSave()));
        m.put("non_linearity", f.textNode(c.activation()));
        m.put("peft_type", f.textNode(BottleneckConfig.PEFT_TYPE));
        m.put("placement", f.textNode(c.placement().jsonValue()));
        m.put("reduction_factor", c.reductionFactor().isPresent() ? number(c.reductionFactor().getAsDouble()) : f.nullNode());
        m.put("revision", c.revision().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("scaling", number(c.scaling()));
        m.put("target_modules", c.targetRegex().<JsonNode>map(f::textNode).orElse(strings(c.targetModules())));
        m.put("task_type", c.taskType().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        ObjectNode root = f.objectNode();
        m.forEach(root::set);
        return root;
    }

    /** Reads the file content; errors name the file, the key and the value. */
    static BottleneckConfig read(JsonNode root, String source) {
        dev.mmpeft.peft.format.ForeignOptions.refuse(root, source, BottleneckConfig.PEFT_TYPE, java.util.Set.of());
        BottleneckConfig.Builder b = BottleneckConfig.builder();
        integer(root, "bottleneck_size", source).ifPresent(b::bottleneckSize);
        number(root, "reduction_factor", source).ifPresent(b::reductionFactor);
        text(root, "placement", source).ifPresent(v -> b.placement(AdapterPlacement.parse(v)));
        text(root, "non_linearity", source).ifPresent(b::nonLinearity);
        number(root, "scaling", source).ifPresent(b::scaling);
        number(root, "adapter_dropout", source).ifPresent(b::adapterDropout);
        text(root, "init_weights", source).ifPresent(v -> b.initWeights(BottleneckInit.parse(v)));
        TargetFields.read(root, source, b);
        try {
            return b.build();
        } catch (dev.mmpeft.peft.PeftException e) {
            throw new dev.mmpeft.peft.PeftException(source + ": " + e.getMessage(), e);
        }
    }
}
