package dev.mmpeft.peft.internal;

import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.Component;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.peft.AdaptableModel;
import dev.mmpeft.peft.PeftConfig;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.TargetNotFoundException;
import dev.mmpeft.peft.format.AdapterFormats;
import dev.mmpeft.peft.spi.FullTensor;
import dev.mmpeft.peft.spi.MethodPlan;
import dev.mmpeft.peft.spi.PeftMethod;
import dev.mmpeft.peft.spi.PlanContext;
import dev.mmpeft.peft.spi.PlannedTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one adapter does to one model, decided from the configuration and the model's structure
 * alone (names and declared shapes, no arrays): the method's own plan, the tensors trained in full
 * (PEFT's {@code modules_to_save}, a method's trained biases, tensors a loaded file replaces) and
 * the configuration as it will be saved. Counting trainable parameters and building adapters both
 * start here, so a count printed by {@code inspect} is the count a real adapter has.
 */
public final class AdapterPlan {
    private final PeftMethod<?> method;
    private final MethodPlan methodPlan;
    private final Map<String, FullTensor> fullTensors;
    private final long baseParameterCount;

    private AdapterPlan(PeftMethod<?> method, MethodPlan methodPlan, Map<String, FullTensor> fullTensors, long baseParameterCount) {
        this.method = method;
        this.methodPlan = methodPlan;
        this.fullTensors = fullTensors;
        this.baseParameterCount = baseParameterCount;
    }

    /** The adapter's method. */
    public PeftMethod<?> method() {
        return method;
    }

    /** The method's own part of the plan. */
    public MethodPlan methodPlan() {
        return methodPlan;
    }

    /** The configuration as saved: components resolved to module names, base model name filled in. */
    public PeftConfig resolvedConfig() {
        return methodPlan.resolvedConfig();
    }

    /** Base tensors the adapter replaces with copies of its own, by parameter name. */
    public Map<String, FullTensor> fullTensors() {
        return fullTensors;
    }

    /** Parameters of the base model (declared shapes). */
    public long baseParameterCount() {
        return baseParameterCount;
    }

    /** Parameters in copies of base tensors (PEFT counts them again in "all params"). */
    public long copiedParameterCount() {
        return fullTensors.values().stream().filter(f -> f.kind().equals("full")).mapToLong(f -> f.shape().size()).sum();
    }

    /** Every tensor an adapter file of this plan holds: file key to shape. */
    public Map<String, Shape> expectedTensors() {
        Map<String, Shape> out = new LinkedHashMap<>();
        methodPlan.tensors().forEach((k, t) -> out.put(k, t.shape()));
        fullTensors.values().forEach(f -> out.put(f.fileKey(), f.shape()));
        return out;
    }

    /**
     * This plan plus base tensors an adapter file carries outside the plan (PEFT's loader puts any
     * {@code base_model.model.<name>} tensor of the model into it, as {@code load_state_dict} with
     * {@code strict=False} does): they replace the base tensors in the adapted model, frozen.
     *
     * @param extra base parameter name to its file key
     */
    public AdapterPlan withFixedTensors(Map<String, String> extra, Map<String, Shape> shapes) {
        Map<String, FullTensor> full = new LinkedHashMap<>(fullTensors);
        extra.forEach((name, key) -> full.putIfAbsent(name, new FullTensor(name, shapes.get(name), key, "loaded", FullTensor.FIXED)));
        return new AdapterPlan(method, methodPlan, full, baseParameterCount);
    }

    /**
     * Plans an adapter.
     *
     * @param strict when true (a configuration built in code) every target entry must match
     *     something; when false (an adapter file) entries may match nothing as in PEFT, but the
     *     adapter as a whole must target something
     */
    public static AdapterPlan of(PeftConfig config, AdaptableModel<?> model, boolean strict) {
        PeftMethod<?> method = AdapterFormats.method(config);
        List<String> saveEntries = new ArrayList<>(config.modulesToSave());
        Map<String, FullTensor> full = modulesToSave(config, model, strict, saveEntries);
        PlanContext context = new PlanContext(model, strict, saveEntries);
        MethodPlan methodPlan = plan(method, config, context);
        if (methodPlan.tensors().isEmpty() && full.isEmpty()) {
            throw new PeftException("the adapter trains nothing: give " + method.label() + " targets or parts to train in full");
        }
        methodPlan.fullTensors().forEach(full::putIfAbsent);
        return new AdapterPlan(method, methodPlan, full, model.root().parameterCount());
    }

    private static <C extends PeftConfig> MethodPlan plan(PeftMethod<C> method, PeftConfig config, PlanContext context) {
        return method.plan(method.configType().cast(config), context);
    }

    /** PEFT's {@code modules_to_save} (names and components): every tensor of a saved module trains, as a copy. */
    private static Map<String, FullTensor> modulesToSave(PeftConfig config, AdaptableModel<?> model, boolean strict, List<String> saveEntries) {
        PlanContext structure = new PlanContext(model, strict, List.of());
        Map<String, HfBlock> modules = structure.modules();
        Map<String, Shape> shapes = structure.parameterShapes();
        Map<String, String> partOfSaved = new LinkedHashMap<>();
        for (Component c : config.trainComponents()) {
            Set<String> names = structure.namesOf(c);
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
        Map<String, FullTensor> full = new LinkedHashMap<>();
        Set<String> savedModules = new LinkedHashSet<>();
        for (String entry : saveEntries) {
            boolean found = false;
            if (shapes.containsKey(entry)) {
                // a bare tensor such as query_tokens: saved as base_model.model.<name>
                full.putIfAbsent(entry, new FullTensor(entry, shapes.get(entry), PlanContext.FILE_PREFIX + entry,
                        partOfSaved.getOrDefault(entry, entry), "full"));
                found = true;
            }
            for (String m : modules.keySet()) {
                if (m.isEmpty() || !m.endsWith(entry) || isInside(m, savedModules)) {
                    continue;
                }
                savedModules.add(m);
                found = true;
                String part = partOfSaved.getOrDefault(entry, structure.componentOf(m).map(Enum::name).orElse(entry));
                for (Map.Entry<String, Shape> p : modules.get(m).parameterShapes().entrySet()) {
                    String name = m + "." + p.getKey();
                    full.putIfAbsent(name, new FullTensor(name, p.getValue(), PlanContext.FILE_PREFIX + name, part, "full"));
                }
            }
            if (!found && strict) {
                throw new TargetNotFoundException("'" + entry + "' (train in full)", "module or tensor", Names.closest(entry, modules.keySet(), 5));
            }
        }
        return full;
    }

    private static boolean isInside(String module, Set<String> parents) {
        for (String p : parents) {
            if (module.startsWith(p + ".")) {
                return true;
            }
        }
        return false;
    }

    /** The adapter's own tensors by file key. */
    public Map<String, PlannedTensor> methodTensors() {
        return methodPlan.tensors();
    }
}
