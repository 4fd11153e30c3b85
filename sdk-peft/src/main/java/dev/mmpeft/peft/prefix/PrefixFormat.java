package dev.mmpeft.peft.prefix;

import static dev.mmpeft.peft.format.ConfigJson.bool;
import static dev.mmpeft.peft.format.ConfigJson.integer;
import static dev.mmpeft.peft.format.ConfigJson.strings;
import static dev.mmpeft.peft.format.ConfigJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.format.ForeignOptions;
import dev.mmpeft.peft.format.TargetFields;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/** Prefix tuning's {@code adapter_config.json}, as PEFT's {@code PrefixTuningConfig} writes and reads it. */
final class PrefixFormat {
    private static final Set<String> OWN = Set.of("num_virtual_tokens", "token_dim", "num_attention_heads", "num_layers",
            "num_transformer_submodules", "encoder_hidden_size", "prefix_projection", "init_weights");

    private PrefixFormat() {}

    /** The file content, keys sorted, {@code inference_mode} true as {@code save_pretrained} sets it. */
    static ObjectNode write(PrefixTuningConfig c) {
        if (!c.trainComponents().isEmpty()) {
            throw new IllegalStateException("components to train must be resolved to module names before writing adapter_config.json");
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> m = new TreeMap<>();
        m.put("auto_mapping", f.nullNode());
        m.put("base_model_name_or_path", c.baseModelNameOrPath().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("encoder_hidden_size", intOrNull(c.encoderHiddenSize()));
        m.put("inference_mode", f.booleanNode(true));
        // PEFT's newer field; written only when set so that older PEFT versions read the file too
        c.initWeights().ifPresent(v -> m.put("init_weights", f.textNode(v)));
        m.put("modules_to_save", c.modulesToSave().isEmpty() ? f.nullNode() : strings(c.modulesToSave()));
        m.put("num_attention_heads", intOrNull(c.numAttentionHeads()));
        m.put("num_layers", intOrNull(c.numLayers()));
        m.put("num_transformer_submodules", intOrNull(c.numTransformerSubmodules()));
        m.put("num_virtual_tokens", f.numberNode(c.numVirtualTokens()));
        m.put("peft_type", f.textNode(PrefixTuningConfig.PEFT_TYPE));
        m.put("prefix_projection", f.booleanNode(c.prefixProjection()));
        m.put("revision", c.revision().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("task_type", c.taskType().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("token_dim", intOrNull(c.tokenDim()));
        ObjectNode root = f.objectNode();
        m.forEach(root::set);
        return root;
    }

    private static JsonNode intOrNull(OptionalInt v) {
        return v.isPresent() ? JsonNodeFactory.instance.numberNode(v.getAsInt()) : JsonNodeFactory.instance.nullNode();
    }

    /** Reads the file content; errors name the file, the key and the value. */
    static PrefixTuningConfig read(JsonNode root, String source) {
        ForeignOptions.refuse(root, source, PrefixTuningConfig.PEFT_TYPE, OWN);
        PrefixTuningConfig.Builder b = PrefixTuningConfig.builder();
        integer(root, "num_virtual_tokens", source).ifPresentOrElse(b::numVirtualTokens, () -> {
            throw new PeftException(source + ": num_virtual_tokens is missing; a PREFIX_TUNING adapter needs it");
        });
        integer(root, "token_dim", source).ifPresent(b::tokenDim);
        integer(root, "num_attention_heads", source).ifPresent(b::numAttentionHeads);
        integer(root, "num_layers", source).ifPresent(b::numLayers);
        integer(root, "num_transformer_submodules", source).ifPresent(b::numTransformerSubmodules);
        integer(root, "encoder_hidden_size", source).ifPresent(b::encoderHiddenSize);
        bool(root, "prefix_projection", source).ifPresent(b::prefixProjection);
        text(root, "init_weights", source).ifPresent(b::initWeights);
        TargetFields.readCommon(root, source, b);
        try {
            return b.build();
        } catch (PeftException e) {
            throw new PeftException(source + ": " + e.getMessage(), e);
        }
    }
}
