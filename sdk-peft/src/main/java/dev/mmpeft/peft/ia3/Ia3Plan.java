package dev.mmpeft.peft.ia3;

import ai.djl.ndarray.types.Shape;
import dev.mmpeft.peft.spi.MethodPlan;
import dev.mmpeft.peft.spi.PlanContext;
import dev.mmpeft.peft.spi.PlannedTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Which linear layers get an IA3 vector, and whether each scales its input (feed-forward) or its output. */
final class Ia3Plan implements MethodPlan {
    /** One linear layer that gets an IA3 vector. */
    record Module(String name, int in, int out, boolean feedforward, String part) {
        /** PEFT's state-dict key: {@code ia3_l} is a ParameterDict, so the key has no {@code .weight}. */
        String key() {
            return PlanContext.FILE_PREFIX + name + ".ia3_l";
        }

        /** PEFT's shapes: {@code [1, in]} for a feed-forward layer, {@code [out, 1]} otherwise. */
        Shape shape() {
            return feedforward ? new Shape(1, in) : new Shape(out, 1);
        }
    }

    private final Ia3Config config;
    private final Ia3Config resolved;
    private final Map<String, Module> modules;

    Ia3Plan(Ia3Config config, Ia3Config resolved, Map<String, Module> modules) {
        this.config = config;
        this.resolved = resolved;
        this.modules = modules;
    }

    Ia3Config config() {
        return config;
    }

    Map<String, Module> modules() {
        return modules;
    }

    @Override
    public Ia3Config resolvedConfig() {
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
            out.put(m.key(), new PlannedTensor(m.shape(), m.part()));
        }
        return out;
    }
}
