package dev.mmpeft.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.io.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.immutables.value.Value;

/**
 * A LoRA adapter's configuration: Hugging Face PEFT's {@code LoraConfig}, plus targets by
 * {@link Component}. Immutable and validated when built; build one with {@link Peft#lora()}.
 *
 * <p>Why a value: the same configuration is applied to a model, written to
 * {@code adapter_config.json} and read back, so it must not change under the adapter's feet, and a
 * bad value must fail where it is set, naming the field.
 *
 * <p>Semantics are PEFT's: {@code scaling = lora_alpha / r} (or {@code lora_alpha / sqrt(r)} with
 * {@link #useRslora()}); a {@link #targetModules()} entry matches a module whose name equals it or
 * ends with {@code "." + entry}; {@link #targetRegex()} must match a whole module name; excludes
 * win; {@link #layersToTransform()} keeps only modules whose layer index (the number after
 * {@link #layersPattern()}, or after the first {@code .name.} segment) is listed;
 * {@link #rankPattern()}/{@link #alphaPattern()} keys are regular expressions matched against the
 * end of a module name ({@code (.*\.)?(key)$}), first match wins.
 *
 * <p>Components and names may be combined: the adapter covers their union. When an adapter is
 * saved, component targets are written as the exact module names they resolved to, since PEFT
 * knows no components.
 */
@Value.Immutable
public abstract class LoraConfig {
    /** The LoRA rank {@code r} (PEFT default 8). */
    @Value.Default
    public int r() {
        return 8;
    }

    /** {@code lora_alpha} (PEFT default 8). */
    @Value.Default
    public double loraAlpha() {
        return 8;
    }

    /** {@code lora_dropout}: dropout on the LoRA branch's input, in training mode only. */
    @Value.Default
    public double loraDropout() {
        return 0;
    }

    /** {@code use_rslora}: scale by {@code alpha / sqrt(r)} instead of {@code alpha / r}. */
    @Value.Default
    public boolean useRslora() {
        return false;
    }

    /** {@code init_lora_weights}. */
    @Value.Default
    public InitLoraWeights initLoraWeights() {
        return InitLoraWeights.DEFAULT;
    }

    /** {@code bias}: which base-model biases also train. */
    @Value.Default
    public LoraBias bias() {
        return LoraBias.NONE;
    }

    /** {@code lora_bias}: whether {@code lora_B} has a bias of its own (PEFT default false). */
    @Value.Default
    public boolean loraBias() {
        return false;
    }

    /** Components whose linear layers get LoRA (resolved through the model). */
    public abstract Set<Component> targetComponents();

    /** {@code target_modules} as a list: module names or name suffixes. */
    public abstract List<String> targetModules();

    /** {@code target_modules} as a single string: a regular expression matched against whole module names. */
    public abstract Optional<String> targetRegex();

    /** {@code exclude_modules} as a list (exact names or suffixes); excludes win over targets. */
    public abstract List<String> excludeModules();

    /** {@code exclude_modules} as a regular expression matched against whole module names. */
    public abstract Optional<String> excludeRegex();

    /** {@code layers_to_transform}: only modules in these layers (empty: all layers). */
    public abstract List<Integer> layersToTransform();

    /** {@code layers_pattern}: the name of the module list the layer index follows ({@code layer}, {@code block}). */
    public abstract List<String> layersPattern();

    /** {@code rank_pattern}: per-module ranks, keyed by a name pattern. */
    public abstract Map<String, Integer> rankPattern();

    /** {@code alpha_pattern}: per-module alphas, keyed by a name pattern. */
    public abstract Map<String, Double> alphaPattern();

    /**
     * Components trained in full beside the adapter (saved as PEFT's {@code modules_to_save}):
     * {@link Component#QUERY_TOKENS}, {@link Component#LANGUAGE_PROJECTION}, or whole components
     * such as {@link Component#QFORMER_ALL} for the papers' "LLM LoRA + Q-Former full" setting.
     */
    public abstract Set<Component> trainComponents();

    /**
     * {@code modules_to_save}: module names (a module matches when its name ends with the entry,
     * as in PEFT) or exact parameter names ({@code query_tokens}) trained in full and saved.
     */
    public abstract List<String> modulesToSave();

    /** {@code base_model_name_or_path}. */
    public abstract Optional<String> baseModelNameOrPath();

    /** {@code revision} of the base model. */
    public abstract Optional<String> revision();

    /** {@code task_type} ({@code SEQ_2_SEQ_LM}, {@code CAUSAL_LM}, ...), when known. */
    public abstract Optional<String> taskType();

    /** {@code inference_mode}: a loaded adapter that should not train. */
    @Value.Default
    public boolean inferenceMode() {
        return false;
    }

    /** Whether any LoRA target is configured (a pure full fine-tuning has none). */
    public boolean hasLoraTargets() {
        return !targetComponents().isEmpty() || !targetModules().isEmpty() || targetRegex().isPresent();
    }

    /** The scaling of a module with rank {@code r} and alpha {@code alpha} under this config. */
    public double scaling(int rank, double alpha) {
        return useRslora() ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    @Value.Check
    protected void check() {
        if (r() <= 0) {
            throw new PeftException("LoraConfig.r must be > 0, got " + r());
        }
        if (!Double.isFinite(loraAlpha())) {
            throw new PeftException("LoraConfig.lora_alpha must be a finite number, got " + loraAlpha());
        }
        if (!(loraDropout() >= 0 && loraDropout() < 1)) {
            throw new PeftException("LoraConfig.lora_dropout must be in [0, 1), got " + loraDropout());
        }
        if (targetRegex().isPresent() && !targetModules().isEmpty()) {
            throw new PeftException(
                    "LoraConfig.target_modules is either a list of names or one regular expression, got both: "
                            + targetModules() + " and '" + targetRegex().get() + "'");
        }
        if (excludeRegex().isPresent() && !excludeModules().isEmpty()) {
            throw new PeftException(
                    "LoraConfig.exclude_modules is either a list of names or one regular expression, got both");
        }
        targetRegex().ifPresent(p -> compile("target_modules", p));
        excludeRegex().ifPresent(p -> compile("exclude_modules", p));
        if (targetRegex().isPresent() && (!layersToTransform().isEmpty() || !layersPattern().isEmpty())) {
            // PEFT: layers_to_transform/layers_pattern only apply to a list of target names
            throw new PeftException(
                    "LoraConfig.layers_to_transform/layers_pattern cannot be used when target_modules is a regular expression ('"
                            + targetRegex().get() + "')");
        }
        for (String name : targetModules()) {
            if (name.isBlank()) {
                throw new PeftException("LoraConfig.target_modules contains an empty name");
            }
        }
        for (String name : modulesToSave()) {
            if (name.isBlank()) {
                throw new PeftException("LoraConfig.modules_to_save contains an empty name");
            }
        }
        for (int layer : layersToTransform()) {
            if (layer < 0) {
                throw new PeftException("LoraConfig.layers_to_transform must hold layer indices >= 0, got " + layer);
            }
        }
        for (String p : layersPattern()) {
            compile("layers_pattern", p);
        }
        for (Map.Entry<String, Integer> e : rankPattern().entrySet()) {
            compile("rank_pattern key", e.getKey());
            if (e.getValue() <= 0) {
                throw new PeftException("LoraConfig.rank_pattern['" + e.getKey() + "'] must be > 0, got " + e.getValue());
            }
        }
        for (Map.Entry<String, Double> e : alphaPattern().entrySet()) {
            compile("alpha_pattern key", e.getKey());
            if (!Double.isFinite(e.getValue())) {
                throw new PeftException("LoraConfig.alpha_pattern['" + e.getKey() + "'] must be finite, got " + e.getValue());
            }
        }
    }

    private static void compile(String field, String regex) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new PeftException("LoraConfig." + field + ": invalid regular expression '" + regex + "': " + e.getDescription());
        }
    }

    /** A builder of the value itself (most users want the fluent {@link Peft#lora()}). */
    public static ImmutableLoraConfig.Builder builder() {
        return ImmutableLoraConfig.builder();
    }

    /**
     * The content of {@code adapter_config.json} as PEFT writes it (keys sorted, {@code peft_type}
     * "LORA", {@code inference_mode} true as {@code save_pretrained} sets it).
     *
     * @throws IllegalStateException if component targets are still unresolved (PeftModel resolves
     *     them to module names before saving)
     */
    public ObjectNode toAdapterJson() {
        if (!targetComponents().isEmpty() || !trainComponents().isEmpty()) {
            throw new IllegalStateException("component targets must be resolved to module names before writing adapter_config.json");
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> m = new TreeMap<>();
        ObjectNode alpha = f.objectNode();
        new TreeMap<>(alphaPattern()).forEach((k, v) -> alpha.set(k, number(v)));
        m.put("alpha_pattern", alpha);
        m.put("auto_mapping", f.nullNode());
        m.put("base_model_name_or_path", baseModelNameOrPath().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("bias", f.textNode(bias().jsonValue()));
        m.put("exclude_modules", excludeRegex().<JsonNode>map(f::textNode).orElse(excludeModules().isEmpty() ? f.nullNode() : strings(excludeModules())));
        m.put("fan_in_fan_out", f.booleanNode(false));
        m.put("inference_mode", f.booleanNode(true));
        Object init = initLoraWeights().jsonValue();
        m.put("init_lora_weights", init instanceof Boolean ? f.booleanNode((Boolean) init) : f.textNode((String) init));
        m.put("layer_replication", f.nullNode());
        m.put("layers_pattern", layersPattern().isEmpty() ? f.nullNode() : layersPattern().size() == 1 ? f.textNode(layersPattern().get(0)) : strings(layersPattern()));
        if (layersToTransform().isEmpty()) {
            m.put("layers_to_transform", f.nullNode());
        } else {
            ArrayNode layers = f.arrayNode();
            layersToTransform().forEach(layers::add);
            m.put("layers_to_transform", layers);
        }
        m.put("loftq_config", f.objectNode());
        m.put("lora_alpha", number(loraAlpha()));
        m.put("lora_bias", f.booleanNode(loraBias()));
        m.put("lora_dropout", f.numberNode(loraDropout()));
        m.put("megatron_config", f.nullNode());
        m.put("megatron_core", f.textNode("megatron.core"));
        m.put("modules_to_save", modulesToSave().isEmpty() ? f.nullNode() : strings(modulesToSave()));
        m.put("peft_type", f.textNode("LORA"));
        m.put("r", f.numberNode(r()));
        ObjectNode rank = f.objectNode();
        new TreeMap<>(rankPattern()).forEach(rank::put);
        m.put("rank_pattern", rank);
        m.put("revision", revision().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("target_modules", targetRegex().<JsonNode>map(f::textNode).orElse(strings(targetModules())));
        m.put("task_type", taskType().<JsonNode>map(f::textNode).orElse(f.nullNode()));
        m.put("use_dora", f.booleanNode(false));
        m.put("use_rslora", f.booleanNode(useRslora()));
        ObjectNode root = f.objectNode();
        m.forEach(root::set);
        return root;
    }

    /**
     * Reads a PEFT {@code adapter_config.json}. Keys this SDK does not act on are ignored when they
     * hold their neutral value; features it does not implement (DoRA, {@code fan_in_fan_out},
     * layer replication, other PEFT types) are refused with a message naming the key.
     *
     * @param source names the file in error messages
     */
    public static LoraConfig fromAdapterJson(JsonNode root, String source) {
        if (!root.isObject()) {
            throw new PeftException(source + ": adapter config must be a JSON object");
        }
        String type = text(root, "peft_type", source).orElse("LORA");
        if (!type.equals("LORA")) {
            throw new PeftException(source + ": peft_type is '" + type + "'; only LORA adapters are supported");
        }
        for (String unsupported : new String[] {"use_dora", "fan_in_fan_out", "use_qalora"}) {
            JsonNode n = root.get(unsupported);
            if (n != null && n.asBoolean(false)) {
                throw new PeftException(source + ": " + unsupported + " = true is not supported (plain LoRA only)");
            }
        }
        JsonNode replication = root.get("layer_replication");
        if (replication != null && !replication.isNull()) {
            throw new PeftException(source + ": layer_replication is not supported");
        }
        JsonNode tokens = root.get("trainable_token_indices");
        if (tokens != null && !tokens.isNull()) {
            throw new PeftException(source + ": trainable_token_indices is not supported");
        }
        ImmutableLoraConfig.Builder b = builder();
        JsonNode r = root.get("r");
        if (r != null && !r.isNull()) {
            if (!r.canConvertToInt() || !r.isIntegralNumber()) {
                throw new PeftException(source + ": r must be an integer, got " + r);
            }
            b.r(r.intValue());
        }
        number(root, "lora_alpha", source).ifPresent(b::loraAlpha);
        number(root, "lora_dropout", source).ifPresent(b::loraDropout);
        JsonNode rs = root.get("use_rslora");
        if (rs != null && !rs.isNull()) {
            b.useRslora(bool(rs, "use_rslora", source));
        }
        JsonNode lb = root.get("lora_bias");
        if (lb != null && !lb.isNull()) {
            b.loraBias(bool(lb, "lora_bias", source));
        }
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
        JsonNode save = root.get("modules_to_save");
        if (save != null && !save.isNull()) {
            b.modulesToSave(stringList(save, "modules_to_save", source));
        }
        text(root, "base_model_name_or_path", source).ifPresent(b::baseModelNameOrPath);
        text(root, "revision", source).ifPresent(b::revision);
        text(root, "task_type", source).ifPresent(b::taskType);
        JsonNode inference = root.get("inference_mode");
        if (inference != null && !inference.isNull()) {
            b.inferenceMode(bool(inference, "inference_mode", source));
        }
        try {
            return b.build();
        } catch (PeftException e) {
            throw new PeftException(source + ": " + e.getMessage(), e);
        }
    }

    /** Parses {@code adapter_config.json} text; {@code source} names it in errors. */
    public static LoraConfig fromAdapterJson(String json, String source) {
        try {
            return fromAdapterJson(Json.parse(json, source), source);
        } catch (Json.JsonFileException e) {
            throw new PeftException(e.getMessage(), e);
        }
    }

    private static JsonNode number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15
                ? JsonNodeFactory.instance.numberNode((long) v)
                : JsonNodeFactory.instance.numberNode(v);
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        values.forEach(a::add);
        return a;
    }

    private static Optional<String> text(JsonNode root, String key, String source) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            throw new PeftException(source + ": " + key + " must be a string, got " + n);
        }
        return Optional.of(n.textValue());
    }

    private static Optional<Double> number(JsonNode root, String key, String source) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isNumber()) {
            throw new PeftException(source + ": " + key + " must be a number, got " + n);
        }
        return Optional.of(n.doubleValue());
    }

    private static boolean bool(JsonNode n, String key, String source) {
        if (!n.isBoolean()) {
            throw new PeftException(source + ": " + key + " must be true or false, got " + n);
        }
        return n.booleanValue();
    }

    private static List<String> stringList(JsonNode n, String key, String source) {
        if (!n.isArray()) {
            throw new PeftException(source + ": " + key + " must be a list of strings or a string, got " + n);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw new PeftException(source + ": " + key + " must hold strings, got " + e);
            }
            out.add(e.textValue());
        }
        // PEFT keeps these as sets: the order in a file carries no meaning
        out.sort(null);
        return out;
    }

    private static Map<String, JsonNode> fields(JsonNode n, String key, String source) {
        if (!n.isObject()) {
            throw new PeftException(source + ": " + key + " must be an object, got " + n);
        }
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }
}
