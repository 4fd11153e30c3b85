package dev.mmpeft.peft.bottleneck;

import ai.djl.ndarray.types.Shape;
import dev.mmpeft.peft.spi.MethodPlan;
import dev.mmpeft.peft.spi.PlanContext;
import dev.mmpeft.peft.spi.PlannedTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Which residual sub-layers get a bottleneck adapter, of which width and size. */
final class BottleneckPlan implements MethodPlan {
    /** One sub-layer that gets an adapter: {@code width} is its residual stream's, {@code size} the bottleneck's. */
    record Module(String name, int width, int size, String part) {
        String key(String tensor) {
            return PlanContext.FILE_PREFIX + name + "." + tensor;
        }
    }

    private final BottleneckConfig config;
    private final BottleneckConfig resolved;
    private final Map<String, Module> modules;

    BottleneckPlan(BottleneckConfig config, BottleneckConfig resolved, Map<String, Module> modules) {
        this.config = config;
        this.resolved = resolved;
        this.modules = modules;
    }

    BottleneckConfig config() {
        return config;
    }

    Map<String, Module> modules() {
        return modules;
    }

    @Override
    public BottleneckConfig resolvedConfig() {
        return resolved;
    }

    @Override
    public List<String> targetedModules() {
        return new ArrayList<>(modules.keySet());
    }

    @Override
    public Map<String, PlannedTensor> tensors() {
        Map<String, PlannedTensor> out = new LinkedHashMap<>();
        for (Module m : modules.values()) {
            out.put(m.key("adapter_down.weight"), new PlannedTensor(new Shape(m.size(), m.width()), m.part()));
            out.put(m.key("adapter_down.bias"), new PlannedTensor(new Shape(m.size()), m.part()));
            out.put(m.key("adapter_up.weight"), new PlannedTensor(new Shape(m.width(), m.size()), m.part()));
            out.put(m.key("adapter_up.bias"), new PlannedTensor(new Shape(m.width()), m.part()));
        }
        return out;
    }
}
