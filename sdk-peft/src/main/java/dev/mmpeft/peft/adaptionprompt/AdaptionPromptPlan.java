package dev.mmpeft.peft.adaptionprompt;

import ai.djl.ndarray.types.Shape;
import dev.mmpeft.peft.spi.MethodPlan;
import dev.mmpeft.peft.spi.PlanContext;
import dev.mmpeft.peft.spi.PlannedTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Which LLaMA attention modules get a prompt, and its width. */
final class AdaptionPromptPlan implements MethodPlan {
    private final AdaptionPromptConfig config;
    private final AdaptionPromptConfig resolved;
    private final List<String> modules;
    private final int hidden;

    AdaptionPromptPlan(AdaptionPromptConfig config, AdaptionPromptConfig resolved, List<String> modules, int hidden) {
        this.config = config;
        this.resolved = resolved;
        this.modules = List.copyOf(modules);
        this.hidden = hidden;
    }

    AdaptionPromptConfig config() {
        return config;
    }

    static String promptKey(String module) {
        return PlanContext.FILE_PREFIX + module + ".adaption_prompt";
    }

    static String gateKey(String module) {
        return PlanContext.FILE_PREFIX + module + ".adaption_gate";
    }

    @Override
    public AdaptionPromptConfig resolvedConfig() {
        return resolved;
    }

    @Override
    public List<String> targetedModules() {
        return modules;
    }

    @Override
    public Map<String, PlannedTensor> tensors() {
        Map<String, PlannedTensor> out = new LinkedHashMap<>();
        for (String m : modules) {
            out.put(promptKey(m), new PlannedTensor(new Shape(1, config.adapterLen(), hidden), "LLM_ATTN"));
            out.put(gateKey(m), new PlannedTensor(new Shape(1), "LLM_ATTN"));
        }
        return out;
    }
}
