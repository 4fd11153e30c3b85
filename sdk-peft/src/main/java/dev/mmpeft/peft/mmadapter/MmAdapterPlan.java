package dev.mmpeft.peft.mmadapter;

import ai.djl.ndarray.types.Shape;
import dev.mmpeft.peft.spi.FullTensor;
import dev.mmpeft.peft.spi.MethodPlan;
import dev.mmpeft.peft.spi.PlanContext;
import dev.mmpeft.peft.spi.PlannedTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Which sub-layers get an MM-Adapter, how each routes, and what trains in full beside them. */
final class MmAdapterPlan implements MethodPlan {
    /** The tensors of one adapter, by their name under the sub-layer (LaVIN's names). */
    static final List<String> TENSORS = List.of("conv_A.weight", "conv_A.bias", "conv_B.weight", "conv_B.bias", "conv_D.weight",
            "conv_D.bias", "expert_weights.weight", "expert_weights.bias");

    /** One sub-layer that gets an adapter. */
    record Module(String name, int width, MmAdapterLayer.Routing routing, String part) {
        String key(String tensor) {
            return PlanContext.FILE_PREFIX + name + ".mm_adapter." + tensor;
        }
    }

    private final MmAdapterConfig resolved;
    private final Map<String, Module> modules;
    private final Map<String, FullTensor> full;

    MmAdapterPlan(MmAdapterConfig resolved, Map<String, Module> modules, Map<String, FullTensor> full) {
        this.resolved = resolved;
        this.modules = modules;
        this.full = full;
    }

    Map<String, Module> modules() {
        return modules;
    }

    @Override
    public MmAdapterConfig resolvedConfig() {
        return resolved;
    }

    int dim() {
        return resolved.adapterDim().orElseThrow();
    }

    @Override
    public List<String> targetedModules() {
        return new ArrayList<>(modules.keySet());
    }

    @Override
    public Map<String, PlannedTensor> tensors() {
        int dim = dim();
        int inGroup = dim / resolved.groups();
        Map<String, PlannedTensor> out = new LinkedHashMap<>();
        for (Module m : modules.values()) {
            Shape[] shapes = {new Shape(dim, m.width()), new Shape(dim), new Shape(m.width(), inGroup), new Shape(m.width()),
                new Shape(m.width(), inGroup), new Shape(m.width()), new Shape(2, m.width()), new Shape(2)};
            for (int i = 0; i < TENSORS.size(); i++) {
                out.put(m.key(TENSORS.get(i)), new PlannedTensor(shapes[i], m.part()));
            }
        }
        return out;
    }

    @Override
    public Map<String, FullTensor> fullTensors() {
        return full;
    }
}
