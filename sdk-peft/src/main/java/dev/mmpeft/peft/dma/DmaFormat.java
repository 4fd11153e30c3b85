package dev.mmpeft.peft.dma;

import static dev.mmpeft.peft.format.ConfigJson.bool;
import static dev.mmpeft.peft.format.ConfigJson.integer;
import static dev.mmpeft.peft.format.ConfigJson.number;
import static dev.mmpeft.peft.format.ConfigJson.stringList;
import static dev.mmpeft.peft.format.ConfigJson.strings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.format.ForeignOptions;
import dev.mmpeft.peft.format.TargetFields;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The {@code adapter_config.json} of {@value DmaConfig#PEFT_TYPE} adapters (this SDK's own layout; see the package documentation). */
final class DmaFormat {
    private static final Set<String> OWN = Set.of("rank", "mode_approximation", "dropout", "gamma", "gamma_residual", "gamma_init_std",
            "aim_experts", "aim_instructions", "sib", "sib_eta", "sib_weight");

    private DmaFormat() {}

    /** The file content, keys sorted as PEFT writes its configs, {@code inference_mode} true as {@code save_pretrained} sets it. */
    static ObjectNode write(DmaConfig c) {
        if (!c.targetComponents().isEmpty() || !c.trainComponents().isEmpty()) {
            throw new IllegalStateException("component targets must be resolved to module names before writing adapter_config.json");
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> m = new TreeMap<>();
        m.put("aim_experts", f.numberNode(c.aimExperts()));
        m.put("aim_instructions", strings(c.aimInstructions()));
        m.put("auto_mapping", f.nullNode());
        m.put("base_model_name_or_path", c.baseModelNameOrPath().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("dropout", number(c.dropout()));
        m.put("exclude_modules", c.excludeRegex().<JsonNode>map(f::textNode)
                .orElse(c.excludeModules().isEmpty() ? f.nullNode() : strings(c.excludeModules())));
        m.put("gamma", f.booleanNode(c.gamma()));
        m.put("gamma_init_std", number(c.gammaInitStd()));
        m.put("gamma_residual", number(c.gammaResidual()));
        m.put("inference_mode", f.booleanNode(true));
        m.put("layers_pattern", c.layersPattern().isEmpty() ? f.nullNode()
                : c.layersPattern().size() == 1 ? f.textNode(c.layersPattern().get(0)) : strings(c.layersPattern()));
        if (c.layersToTransform().isEmpty()) {
            m.put("layers_to_transform", f.nullNode());
        } else {
            ArrayNode layers = f.arrayNode();
            c.layersToTransform().forEach(layers::add);
            m.put("layers_to_transform", layers);
        }
        m.put("mode_approximation", f.booleanNode(c.modeApproximation()));
        m.put("modules_to_save", c.modulesToSave().isEmpty() ? f.nullNode() : strings(c.modulesToSave()));
        m.put("peft_type", f.textNode(DmaConfig.PEFT_TYPE));
        m.put("rank", f.numberNode(c.rank()));
        m.put("revision", c.revision().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("sib", f.booleanNode(c.sib()));
        m.put("sib_eta", number(c.sibEta()));
        m.put("sib_weight", number(c.sibWeight()));
        m.put("target_modules", c.targetRegex().<JsonNode>map(f::textNode).orElse(strings(c.targetModules())));
        m.put("task_type", c.taskType().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        ObjectNode root = f.objectNode();
        m.forEach(root::set);
        return root;
    }

    /** Reads the file content; errors name the file, the key and the value. */
    static DmaConfig read(JsonNode root, String source) {
        ForeignOptions.refuse(root, source, DmaConfig.PEFT_TYPE, OWN);
        try {
            DmaConfig.Builder b = DmaConfig.builder();
            integer(root, "rank", source).ifPresent(b::rank);
            bool(root, "mode_approximation", source).ifPresent(b::modeApproximation);
            number(root, "dropout", source).ifPresent(b::dropout);
            bool(root, "gamma", source).ifPresent(b::gamma);
            number(root, "gamma_residual", source).ifPresent(b::gammaResidual);
            number(root, "gamma_init_std", source).ifPresent(b::gammaInitStd);
            integer(root, "aim_experts", source).ifPresent(b::aimExperts);
            JsonNode instructions = root.get("aim_instructions");
            if (instructions != null && !instructions.isNull()) {
                b.aimInstructions(stringList(instructions, "aim_instructions", source));
            }
            bool(root, "sib", source).ifPresent(b::sib);
            number(root, "sib_eta", source).ifPresent(b::sibEta);
            number(root, "sib_weight", source).ifPresent(b::sibWeight);
            TargetFields.read(root, source, b);
            return b.build();
        } catch (PeftException e) {
            if (e.getMessage().startsWith(source)) {
                throw e;
            }
            throw new PeftException(source + ": " + e.getMessage(), e);
        }
    }
}
