package dev.mmpeft.peft.spi;

import dev.mmpeft.core.Component;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.TargetNotFoundException;
import dev.mmpeft.peft.TargetedConfig;
import dev.mmpeft.peft.internal.Names;
import dev.mmpeft.peft.internal.TargetMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The modules a {@link TargetedConfig} selects on a model, by PEFT's rules ({@code target_modules}
 * list or regular expression, excludes, layers, never inside a module to save) plus components,
 * with the errors a user needs when a target matches nothing or the wrong kind of module.
 */
public final class Targets {
    private Targets() {}

    /** Which modules a method can attach to, and how to say so in an error. */
    public record Kind(Class<? extends HfBlock> type, String noun, String rule) {
        /** A method that attaches to linear layers ({@code rule}: "LoRA applies to linear layers only"). */
        public static Kind linear(String rule) {
            return new Kind(dev.mmpeft.models.nn.Linear.class, "linear layer", rule);
        }
    }

    /**
     * The targeted modules in model order.
     *
     * @throws TargetNotFoundException when nothing (or, strictly, some entry) matches, listing the closest names
     * @throws PeftException when a target is a module of another kind than the method takes
     */
    public static Map<String, HfBlock> select(TargetedConfig config, PlanContext context, Kind kind) {
        Map<String, HfBlock> modules = context.modules();
        Set<String> componentNames = new LinkedHashSet<>();
        for (Component c : config.targetComponents()) {
            Set<String> names = context.namesOf(c);
            if (names.isEmpty()) {
                throw new TargetNotFoundException(c.name(), "module", List.of());
            }
            for (String n : names) {
                HfBlock b = modules.get(n);
                if (!kind.type().isInstance(b)) {
                    throw new PeftException("component " + c + " is '" + n + "', which is "
                            + (b == null ? "a tensor, not a layer" : "a " + b.getClass().getSimpleName())
                            + "; " + kind.rule() + " (train it in full instead)");
                }
            }
            componentNames.addAll(names);
        }
        Map<String, HfBlock> out = new LinkedHashMap<>();
        for (Map.Entry<String, HfBlock> e : modules.entrySet()) {
            String name = e.getKey();
            if (name.isEmpty()
                    || TargetMatcher.check(config, context.modulesToSave(), componentNames, name) != TargetMatcher.Result.MATCHED) {
                continue;
            }
            if (!kind.type().isInstance(e.getValue())) {
                throw new PeftException("target module '" + name + "' is a " + e.getValue().getClass().getSimpleName()
                        + "; " + kind.rule() + " (" + pythonName(kind) + ")");
            }
            out.put(name, e.getValue());
        }
        checkEveryTargetMatched(config, out, modules, context.strict(), kind);
        return out;
    }

    private static String pythonName(Kind kind) {
        return kind.type() == dev.mmpeft.models.nn.Linear.class ? "nn.Linear" : kind.type().getSimpleName();
    }

    private static void checkEveryTargetMatched(
            TargetedConfig config, Map<String, HfBlock> selected, Map<String, HfBlock> modules, boolean strict, Kind kind) {
        if (selected.isEmpty()) {
            String what = config.targetRegex().map(p -> "pattern '" + p + "'").orElse(describeTargets(config));
            String hint = config.targetModules().isEmpty() ? config.targetRegex().orElse("") : config.targetModules().get(0);
            throw new TargetNotFoundException(
                    what + (config.layersToTransform().isEmpty() ? "" : " in layers " + config.layersToTransform()),
                    kind.noun(), Names.closest(hint, namesOfKind(modules, kind), 5));
        }
        if (!strict) {
            return;
        }
        for (String entry : config.targetModules()) {
            boolean any = selected.keySet().stream().anyMatch(m -> TargetMatcher.matchesEntry(entry, m));
            if (!any) {
                throw new TargetNotFoundException("'" + entry + "'", kind.noun(), Names.closest(entry, namesOfKind(modules, kind), 5));
            }
        }
    }

    private static String describeTargets(TargetedConfig config) {
        List<String> parts = new ArrayList<>();
        config.targetComponents().forEach(c -> parts.add(c.name()));
        config.targetModules().forEach(m -> parts.add("'" + m + "'"));
        return String.join(", ", parts);
    }

    private static List<String> namesOfKind(Map<String, HfBlock> modules, Kind kind) {
        List<String> out = new ArrayList<>();
        modules.forEach((k, v) -> {
            if (kind.type().isInstance(v)) {
                out.add(k);
            }
        });
        return out;
    }
}
