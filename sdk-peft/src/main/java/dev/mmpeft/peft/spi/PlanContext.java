package dev.mmpeft.peft.spi;

import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.Component;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.peft.AdaptableModel;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The model's structure as a method plans an adapter on it: modules and declared shapes under
 * Hugging Face names (no arrays needed), the component each module belongs to, and what the
 * method-neutral part of the plan already decided (the modules trained in full, which no adapter
 * may enter).
 */
public final class PlanContext {
    /** The prefix of every key in {@code adapter_model.safetensors}. */
    public static final String FILE_PREFIX = "base_model.model.";

    private final AdaptableModel<?> model;
    private final Map<String, HfBlock> modules;
    private final Map<String, Shape> shapes;
    private final Map<String, Component> componentOf;
    private final boolean strict;
    private final List<String> modulesToSave;

    /**
     * @param strict whether every target entry must match something (a configuration built in code)
     *     or entries may match nothing, as in PEFT (an adapter file)
     * @param modulesToSave the resolved {@code modules_to_save} entries
     */
    public PlanContext(AdaptableModel<?> model, boolean strict, List<String> modulesToSave) {
        this.model = model;
        this.modules = baseModules(model.root());
        this.shapes = model.root().parameterShapes();
        this.componentOf = componentMap(model);
        this.strict = strict;
        this.modulesToSave = List.copyOf(modulesToSave);
    }

    public AdaptableModel<?> model() {
        return model;
    }

    /** The modules of the base architecture by name ({@code ""} is the root), adapters' own blocks left out. */
    public Map<String, HfBlock> modules() {
        return modules;
    }

    /** Every parameter's declared shape by name. */
    public Map<String, Shape> parameterShapes() {
        return shapes;
    }

    /** The elementary component a module (or tensor) belongs to, if any. */
    public Optional<Component> componentOf(String name) {
        return Optional.ofNullable(componentOf.get(name));
    }

    /** The report part of a module: its component's name, or {@code other}. */
    public String partOf(String module) {
        return componentOf(module).map(Enum::name).orElse("other");
    }

    /** Whether every target entry must match something. */
    public boolean strict() {
        return strict;
    }

    /** The resolved {@code modules_to_save} entries (no adapter goes inside them). */
    public List<String> modulesToSave() {
        return modulesToSave;
    }

    /** The module (or tensor) names of a component, composite ones expanded. */
    public Set<String> namesOf(Component c) {
        Set<String> out = new LinkedHashSet<>();
        for (Component part : c.parts()) {
            out.addAll(model.modulesOf(part));
        }
        return out;
    }

    /** The modules of the base architecture: blocks adapters attached ({@link AdapterBlock}s) and what lies below them left out. */
    private static Map<String, HfBlock> baseModules(HfBlock root) {
        Map<String, HfBlock> out = new LinkedHashMap<>();
        for (Map.Entry<String, HfBlock> e : root.namedModules().entrySet()) {
            if (!(e.getValue() instanceof AdapterBlock) && !insideAdapter(e.getKey(), out.keySet())) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static boolean insideAdapter(String name, Set<String> kept) {
        int dot = name.lastIndexOf('.');
        if (dot < 0) {
            return false;
        }
        // a block below an adapter block is not part of the base architecture either
        return !kept.contains(name.substring(0, dot));
    }

    private static Map<String, Component> componentMap(AdaptableModel<?> model) {
        Map<String, Component> out = new LinkedHashMap<>();
        for (Component c : EnumSet.allOf(Component.class)) {
            if (!c.isComposite()) {
                for (String n : model.modulesOf(c)) {
                    out.putIfAbsent(n, c);
                }
            }
        }
        return out;
    }
}
