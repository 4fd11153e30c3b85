package dev.mmpeft.peft.internal;

import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.Component;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.peft.AdaptableModel;
import dev.mmpeft.peft.ImmutableLoraConfig;
import dev.mmpeft.peft.LoraBias;
import dev.mmpeft.peft.LoraConfig;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.TargetNotFoundException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one adapter does to one model, decided from the configuration and the model's structure
 * alone (names and declared shapes, no arrays): which linear layers get LoRA with which rank and
 * alpha, which tensors train in full, and the configuration as it will be saved (components
 * resolved to module names). Counting trainable parameters and building adapters both start here,
 * so a count printed by {@code inspect} is the count a real adapter has.
 */
public final class AdapterPlan {
    private static final String PREFIX = "base_model.model.";

    /** One linear layer that gets LoRA. */
    public static final class LoraModule {
        public final String name;
        public final int in;
        public final int out;
        public final int r;
        public final double alpha;
        public final double scaling;
        public final boolean loraBias;
        public final Optional<Component> component;

        LoraModule(String name, int in, int out, int r, double alpha, double scaling, boolean loraBias, Optional<Component> component) {
            this.name = name;
            this.in = in;
            this.out = out;
            this.r = r;
            this.alpha = alpha;
            this.scaling = scaling;
            this.loraBias = loraBias;
            this.component = component;
        }

        /** Number of LoRA parameters: {@code r * (in + out)} (plus {@code out} with a lora_B bias). */
        public long parameterCount() {
            return (long) r * (in + out) + (loraBias ? out : 0);
        }

        /** The file key of lora_A's weight. */
        public String keyA() {
            return PREFIX + name + ".lora_A.weight";
        }

        /** The file key of lora_B's weight. */
        public String keyB() {
            return PREFIX + name + ".lora_B.weight";
        }

        /** The file key of lora_B's bias. */
        public String keyBBias() {
            return PREFIX + name + ".lora_B.bias";
        }
    }

    /** The method of a base tensor that an adapter file replaces but that does not train. */
    public static final String FIXED = "fixed";

    /** One base-model tensor that trains in full (as a copy). */
    public static final class FullParameter {
        public final String name;
        public final Shape shape;
        /** The key PEFT gives it in adapter_model.safetensors. */
        public final String fileKey;
        /** Why it trains: the component or module to save it belongs to, or {@code bias}. */
        public final String part;
        /** {@code full}, {@code bias}, or {@link #FIXED} for a base tensor an adapter file replaces without training it. */
        public final String method;

        /** Whether it trains (everything but {@link #FIXED} tensors). */
        public boolean trains() {
            return !method.equals(FIXED);
        }

        FullParameter(String name, Shape shape, String fileKey, String part, String method) {
            this.name = name;
            this.shape = shape;
            this.fileKey = fileKey;
            this.part = part;
            this.method = method;
        }
    }

    private final LoraConfig config;
    private final LoraConfig resolved;
    private final Map<String, LoraModule> loraModules;
    private final Map<String, FullParameter> fullParameters;
    private final long baseParameterCount;

    private AdapterPlan(
            LoraConfig config,
            LoraConfig resolved,
            Map<String, LoraModule> loraModules,
            Map<String, FullParameter> fullParameters,
            long baseParameterCount) {
        this.config = config;
        this.resolved = resolved;
        this.loraModules = loraModules;
        this.fullParameters = fullParameters;
        this.baseParameterCount = baseParameterCount;
    }

    public LoraConfig config() {
        return config;
    }

    /** The configuration as saved: components resolved to module names, base model name filled in. */
    public LoraConfig resolvedConfig() {
        return resolved;
    }

    /** LoRA layers by module name, in module order. */
    public Map<String, LoraModule> loraModules() {
        return loraModules;
    }

    /** Tensors trained in full, by parameter name. */
    public Map<String, FullParameter> fullParameters() {
        return fullParameters;
    }

    /** Parameters of the base model (declared shapes). */
    public long baseParameterCount() {
        return baseParameterCount;
    }

    /** LoRA parameters of this adapter. */
    public long loraParameterCount() {
        return loraModules.values().stream().mapToLong(LoraModule::parameterCount).sum();
    }

    /** Parameters in PEFT's modules_to_save copies (counted again in PEFT's "all params"). */
    public long copiedParameterCount() {
        return fullParameters.values().stream().filter(f -> f.method.equals("full")).mapToLong(f -> f.shape.size()).sum();
    }

    /**
     * This plan plus base tensors an adapter file carries outside the plan (PEFT's loader puts any
     * {@code base_model.model.<name>} tensor of the model into it, as {@code load_state_dict} with
     * {@code strict=False} does): they replace the base tensors in the adapted model, frozen.
     *
     * @param extra base parameter name to its file key
     */
    public AdapterPlan withFixedTensors(Map<String, String> extra, Map<String, Shape> shapes) {
        Map<String, FullParameter> full = new LinkedHashMap<>(fullParameters);
        extra.forEach((name, key) -> full.putIfAbsent(name, new FullParameter(name, shapes.get(name), key, "loaded", FIXED)));
        return new AdapterPlan(config, resolved, loraModules, full, baseParameterCount);
    }

    /**
     * Plans an adapter.
     *
     * @param strict when true (a configuration built in code) every target entry must match
     *     something; when false (an adapter file) entries may match nothing as in PEFT, but the
     *     adapter as a whole must target something
     */
    public static AdapterPlan of(LoraConfig config, AdaptableModel<?> model, boolean strict) {
        HfBlock root = model.root();
        Map<String, HfBlock> modules = baseModules(root);
        Map<String, Shape> shapes = root.parameterShapes();
        Map<String, Component> componentOf = componentMap(model);

        // 1. what trains in full: modules_to_save (names and components)
        List<String> saveEntries = new ArrayList<>(config.modulesToSave());
        Map<String, String> partOfSaved = new LinkedHashMap<>();
        for (Component c : config.trainComponents()) {
            Set<String> names = elementaryNames(model, c);
            if (names.isEmpty()) {
                throw new TargetNotFoundException(c.name(), "module or tensor", List.of());
            }
            for (String n : names) {
                if (!modules.containsKey(n) && !shapes.containsKey(n)) {
                    throw new PeftException("component " + c + " names '" + n + "', which is neither a module nor a tensor of the model");
                }
                if (!saveEntries.contains(n)) {
                    saveEntries.add(n);
                }
                partOfSaved.put(n, c.name());
            }
        }
        Map<String, FullParameter> full = new LinkedHashMap<>();
        Set<String> savedModules = new LinkedHashSet<>();
        for (String entry : saveEntries) {
            boolean found = false;
            if (shapes.containsKey(entry)) {
                // a bare tensor such as query_tokens: saved as base_model.model.<name>
                full.putIfAbsent(entry, new FullParameter(entry, shapes.get(entry), PREFIX + entry, partOfSaved.getOrDefault(entry, entry), "full"));
                found = true;
            }
            for (String m : modules.keySet()) {
                if (m.isEmpty() || !m.endsWith(entry) || isInside(m, savedModules)) {
                    continue;
                }
                savedModules.add(m);
                found = true;
                String part = partOfSaved.getOrDefault(entry, componentOf.containsKey(m) ? componentOf.get(m).name() : entry);
                for (Map.Entry<String, Shape> p : modules.get(m).parameterShapes().entrySet()) {
                    String name = m + "." + p.getKey();
                    full.putIfAbsent(name, new FullParameter(name, p.getValue(), PREFIX + name, part, "full"));
                }
            }
            if (!found && strict) {
                throw new TargetNotFoundException("'" + entry + "' (train in full)", "module or tensor", Names.closest(entry, modules.keySet(), 5));
            }
        }

        // 2. LoRA targets
        LoraConfig matching = ImmutableLoraConfig.copyOf(config).withModulesToSave(saveEntries);
        Set<String> componentNames = new LinkedHashSet<>();
        for (Component c : config.targetComponents()) {
            Set<String> names = elementaryNames(model, c);
            if (names.isEmpty()) {
                throw new TargetNotFoundException(c.name(), "module", List.of());
            }
            for (String n : names) {
                HfBlock b = modules.get(n);
                if (!(b instanceof Linear)) {
                    throw new PeftException(
                            "component " + c + " is '" + n + "', which is "
                                    + (b == null ? "a tensor, not a layer" : "a " + b.getClass().getSimpleName())
                                    + "; LoRA applies to linear layers only (train it in full instead)");
                }
            }
            componentNames.addAll(names);
        }
        Map<String, LoraModule> lora = new LinkedHashMap<>();
        for (Map.Entry<String, HfBlock> e : modules.entrySet()) {
            String name = e.getKey();
            if (name.isEmpty()) {
                continue;
            }
            if (TargetMatcher.check(matching, componentNames, name) != TargetMatcher.Result.MATCHED) {
                continue;
            }
            if (!(e.getValue() instanceof Linear)) {
                throw new PeftException(
                        "target module '" + name + "' is a " + e.getValue().getClass().getSimpleName()
                                + "; LoRA applies to linear layers only (nn.Linear)");
            }
            Linear linear = (Linear) e.getValue();
            int r = TargetMatcher.patternValue(config.rankPattern(), name).orElse(config.r());
            double alpha = TargetMatcher.patternValue(config.alphaPattern(), name).orElse(config.loraAlpha());
            lora.put(name, new LoraModule(
                    name, linear.inFeatures(), linear.outFeatures(), r, alpha, config.scaling(r, alpha), config.loraBias(),
                    Optional.ofNullable(componentOf.get(name))));
        }
        if (config.hasLoraTargets()) {
            checkEveryTargetMatched(config, componentNames, lora, modules, strict);
        } else if (full.isEmpty()) {
            throw new PeftException("the adapter trains nothing: give LoRA targets or parts to train in full");
        }

        // 3. biases (PEFT's bias = all | lora_only)
        if (config.bias() != LoraBias.NONE) {
            for (Map.Entry<String, Shape> p : shapes.entrySet()) {
                String name = p.getKey();
                if (!(name.equals("bias") || name.endsWith(".bias")) || full.containsKey(name)) {
                    continue;
                }
                String module = name.equals("bias") ? "" : name.substring(0, name.length() - ".bias".length());
                boolean wrapped = lora.containsKey(module);
                if (config.bias() == LoraBias.LORA_ONLY && !wrapped) {
                    continue;
                }
                // PEFT's state dict names the bias of a LoRA-wrapped layer <module>.base_layer.bias
                String key = PREFIX + (wrapped ? module + ".base_layer.bias" : name);
                full.put(name, new FullParameter(name, p.getValue(), key, "bias", "bias"));
            }
        }

        // 4. the configuration as saved
        return new AdapterPlan(config, resolve(config, lora.keySet(), saveEntries, model), lora, full, root.parameterCount());
    }

    private static void checkEveryTargetMatched(
            LoraConfig config, Set<String> componentNames, Map<String, LoraModule> lora, Map<String, HfBlock> modules, boolean strict) {
        if (lora.isEmpty()) {
            String what = config.targetRegex().map(p -> "pattern '" + p + "'")
                    .orElse(describeTargets(config));
            String hint = config.targetModules().isEmpty() ? config.targetRegex().orElse("") : config.targetModules().get(0);
            throw new TargetNotFoundException(
                    what + (config.layersToTransform().isEmpty() ? "" : " in layers " + config.layersToTransform()),
                    "linear layer",
                    Names.closest(hint, linearNames(modules), 5));
        }
        if (!strict) {
            return;
        }
        for (String entry : config.targetModules()) {
            boolean any = lora.keySet().stream().anyMatch(m -> TargetMatcher.matchesEntry(entry, m));
            if (!any) {
                throw new TargetNotFoundException("'" + entry + "'", "linear layer", Names.closest(entry, linearNames(modules), 5));
            }
        }
    }

    private static String describeTargets(LoraConfig config) {
        List<String> parts = new ArrayList<>();
        config.targetComponents().forEach(c -> parts.add(c.name()));
        config.targetModules().forEach(m -> parts.add("'" + m + "'"));
        return String.join(", ", parts);
    }

    private static List<String> linearNames(Map<String, HfBlock> modules) {
        List<String> out = new ArrayList<>();
        modules.forEach((k, v) -> {
            if (v instanceof Linear) {
                out.add(k);
            }
        });
        return out;
    }

    private static boolean isInside(String module, Set<String> parents) {
        for (String p : parents) {
            if (module.startsWith(p + ".")) {
                return true;
            }
        }
        return false;
    }

    /** The modules of the base architecture (skipping blocks that adapters attached). */
    public static Map<String, HfBlock> baseModules(HfBlock root) {
        Map<String, HfBlock> out = new LinkedHashMap<>();
        for (Map.Entry<String, HfBlock> e : root.namedModules().entrySet()) {
            if (!isAdapterBlock(e.getKey())) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static boolean isAdapterBlock(String name) {
        return name.contains(".lora_A") || name.contains(".lora_B") || name.startsWith("lora_A") || name.startsWith("lora_B");
    }

    /** The names of an (elementary or composite) component. */
    public static Set<String> elementaryNames(AdaptableModel<?> model, Component c) {
        Set<String> out = new LinkedHashSet<>();
        for (Component part : c.parts()) {
            out.addAll(model.modulesOf(part));
        }
        return out;
    }

    /** Which elementary component each module (or tensor) belongs to. */
    public static Map<String, Component> componentMap(AdaptableModel<?> model) {
        Map<String, Component> out = new LinkedHashMap<>();
        for (Component c : EnumSet.allOf(Component.class)) {
            if (c.isComposite()) {
                continue;
            }
            for (String n : model.modulesOf(c)) {
                out.putIfAbsent(n, c);
            }
        }
        return out;
    }

    private static LoraConfig resolve(LoraConfig config, Set<String> loraModules, List<String> saveEntries, AdaptableModel<?> model) {
        ImmutableLoraConfig r = ImmutableLoraConfig.copyOf(config).withModulesToSave(saveEntries).withTrainComponents(List.of());
        if (!config.targetComponents().isEmpty()) {
            // PEFT knows no components: write the exact module names they resolved to
            r = r.withTargetComponents(List.of()).withTargetRegex(Optional.empty()).withTargetModules(sorted(loraModules));
        }
        if (r.baseModelNameOrPath().isEmpty() && model.nameOrPath().isPresent()) {
            r = r.withBaseModelNameOrPath(model.nameOrPath());
        }
        if (r.taskType().isEmpty() && model.taskType().isPresent()) {
            r = r.withTaskType(model.taskType());
        }
        return r;
    }

    /** Sorted copy, for stable files. */
    static List<String> sorted(Set<String> names) {
        return new ArrayList<>(new TreeSet<>(names));
    }
}
