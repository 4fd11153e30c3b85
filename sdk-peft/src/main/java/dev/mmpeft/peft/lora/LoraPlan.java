package dev.mmpeft.peft.lora;

import ai.djl.ndarray.types.Shape;
import dev.mmpeft.peft.spi.FullTensor;
import dev.mmpeft.peft.spi.MethodPlan;
import dev.mmpeft.peft.spi.PlanContext;
import dev.mmpeft.peft.spi.PlannedTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Which linear layers get LoRA (or DoRA) with which rank and alpha, and the biases that train with them. */
final class LoraPlan implements MethodPlan {
    /** One linear layer that gets LoRA (with DoRA's magnitude vector when {@code dora}). */
    record Module(String name, int in, int out, int r, double alpha, double scaling, boolean loraBias, boolean dora, String part) {
        String keyA() {
            return PlanContext.FILE_PREFIX + name + ".lora_A.weight";
        }

        String keyB() {
            return PlanContext.FILE_PREFIX + name + ".lora_B.weight";
        }

        String keyBBias() {
            return PlanContext.FILE_PREFIX + name + ".lora_B.bias";
        }

        /** PEFT saves DoRA's magnitude without a {@code .weight} suffix (its pre-refactor ParameterDict name). */
        String keyMagnitude() {
            return PlanContext.FILE_PREFIX + name + ".lora_magnitude_vector";
        }
    }

    private final LoraConfig config;
    private final LoraConfig resolved;
    private final Map<String, Module> modules;
    private final Map<String, FullTensor> biases;

    LoraPlan(LoraConfig config, LoraConfig resolved, Map<String, Module> modules, Map<String, FullTensor> biases) {
        this.config = config;
        this.resolved = resolved;
        this.modules = modules;
        this.biases = biases;
    }

    LoraConfig config() {
        return config;
    }

    Map<String, Module> modules() {
        return modules;
    }

    @Override
    public LoraConfig resolvedConfig() {
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
            out.put(m.keyA(), new PlannedTensor(new Shape(m.r(), m.in()), m.part()));
            out.put(m.keyB(), new PlannedTensor(new Shape(m.out(), m.r()), m.part()));
            if (m.loraBias()) {
                out.put(m.keyBBias(), new PlannedTensor(new Shape(m.out()), m.part()));
            }
            if (m.dora()) {
                out.put(m.keyMagnitude(), new PlannedTensor(new Shape(m.out()), m.part()));
            }
        }
        return out;
    }

    @Override
    public Map<String, FullTensor> fullTensors() {
        return biases;
    }
}
