package dev.mmpeft.peft.mmadapter;

import static dev.mmpeft.peft.format.ConfigJson.bool;
import static dev.mmpeft.peft.format.ConfigJson.integer;
import static dev.mmpeft.peft.format.ConfigJson.number;
import static dev.mmpeft.peft.format.ConfigJson.strings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.format.ForeignOptions;
import dev.mmpeft.peft.format.TargetFields;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The {@code adapter_config.json} of {@value MmAdapterConfig#PEFT_TYPE} adapters (this SDK's own layout). */
final class MmAdapterFormat {
    private MmAdapterFormat() {}

    /** The file content, keys sorted as PEFT writes its configs. */
    static ObjectNode write(MmAdapterConfig c) {
        if (!c.targetComponents().isEmpty() || !c.trainComponents().isEmpty() || c.adapterDim().isEmpty()
                || c.temperature().isEmpty() || c.adapterScale().isEmpty()) {
            throw new IllegalStateException("an MM-Adapter config must be resolved (module names, dimension, temperature, scale) before it is written");
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> m = new TreeMap<>();
        m.put("adapter_dim", f.numberNode(c.adapterDim().getAsInt()));
        m.put("adapter_dropout", number(c.adapterDropout()));
        m.put("adapter_scale", number(c.adapterScale().getAsDouble()));
        m.put("base_model_name_or_path", c.baseModelNameOrPath().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("exclude_modules", c.excludeRegex().<JsonNode>map(f::textNode)
                .orElse(c.excludeModules().isEmpty() ? f.nullNode() : strings(c.excludeModules())));
        m.put("groups", f.numberNode(c.groups()));
        m.put("inference_mode", f.booleanNode(true));
        m.put("modules_to_save", c.modulesToSave().isEmpty() ? f.nullNode() : strings(c.modulesToSave()));
        m.put("peft_type", f.textNode(MmAdapterConfig.PEFT_TYPE));
        m.put("revision", c.revision().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("target_modules", c.targetRegex().<JsonNode>map(f::textNode).orElse(strings(c.targetModules())));
        m.put("task_type", c.taskType().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("temperature", number(c.temperature().getAsDouble()));
        m.put("train_connector", f.booleanNode(c.trainConnector()));
        ObjectNode root = f.objectNode();
        m.forEach(root::set);
        return root;
    }

    /** Reads the file content; errors name the file, the key and the value. */
    static MmAdapterConfig read(JsonNode root, String source) {
        // adapter_dropout is also the bottleneck adapters' key; here it is LaVIN's dropout after the down-projection
        ForeignOptions.refuse(root, source, MmAdapterConfig.PEFT_TYPE, Set.of("adapter_dropout"));
        MmAdapterConfig.Builder b = MmAdapterConfig.builder();
        integer(root, "adapter_dim", source).ifPresent(b::adapterDim);
        number(root, "temperature", source).ifPresent(b::temperature);
        number(root, "adapter_scale", source).ifPresent(b::adapterScale);
        number(root, "adapter_dropout", source).ifPresent(b::adapterDropout);
        integer(root, "groups", source).ifPresent(b::groups);
        bool(root, "train_connector", source).ifPresent(b::trainConnector);
        TargetFields.read(root, source, b);
        try {
            return b.build();
        } catch (PeftException e) {
            throw new PeftException(source + ": " + e.getMessage(), e);
        }
    }
}
