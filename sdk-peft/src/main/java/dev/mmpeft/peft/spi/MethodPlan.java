package dev.mmpeft.peft.spi;

import dev.mmpeft.peft.PeftConfig;
import java.util.List;
import java.util.Map;

/**
 * What one adapter of a method does to one model, decided before any array exists: the modules it
 * changes, the tensors it holds (by their adapter-file keys) and the configuration as it will be
 * saved. Counting and building start from the same plan, so a count printed from a config file is
 * the count a real adapter has.
 */
public interface MethodPlan {
    /** The configuration as saved: components resolved to module names, base model name filled in. */
    PeftConfig resolvedConfig();

    /** The modules the adapter changes, in model order (PEFT's {@code targeted_module_names}). */
    List<String> targetedModules();

    /** The adapter's own tensors by adapter-file key, in model order. */
    Map<String, PlannedTensor> tensors();

    /**
     * Base-model tensors the method itself trains in full besides its own tensors (LoRA's
     * {@code bias} option), by parameter name.
     */
    default Map<String, FullTensor> fullTensors() {
        return Map.of();
    }

    /** The number of the adapter's own parameters. */
    default long parameterCount() {
        return tensors().values().stream().mapToLong(t -> t.shape().size()).sum();
    }
}
