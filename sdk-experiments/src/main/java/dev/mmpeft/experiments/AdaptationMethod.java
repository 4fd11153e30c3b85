package dev.mmpeft.experiments;

import dev.mmpeft.core.Component;
import dev.mmpeft.peft.PeftBuilder;
import dev.mmpeft.peft.PeftModel;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * How a {@link FineTuning} setting adapts the base model, and how its runs are named in folders,
 * tables and {@code summary.json}. Why an interface: the experiments, the sweep and their reports
 * stay the same when a method is added (IA3, bottleneck adapters, prefix tuning, PETAL's mode
 * approximation, ...): a new method is one implementation. The built-in ones are
 * {@link StandardMethods}.
 */
public interface AdaptationMethod {
    /** The method's name in {@code summary.json} ({@code LORA}, {@code FULL_QFORMER}, {@code ZERO_SHOT}). */
    String name();

    /** Whether the method trains anything (a zero-shot run only evaluates). */
    default boolean trains() {
        return true;
    }

    /** The row label of a setting in the tables ({@code QFORMER_CROSS_ATTN+LLM_FFN}). */
    String label(FineTuning setting);

    /** A folder-safe name of a setting ({@code lora-qformer_cross_attn-r2}); it names the sweep's cell folders. */
    String slug(FineTuning setting);

    /** The setting's size in the tables' columns (the LoRA rank); 0 when the method has no size (full fine-tuning). */
    int size(FineTuning setting);

    /** The method as people call it in a table of methods ({@code LoRA}, {@code Adapter}); the name by default. */
    default String displayName() {
        return name();
    }

    /** The setting's size as the method's tables write it ({@code r=2}, {@code s=8}, {@code vt=10}); empty when it has none. */
    default String sizeLabel(FineTuning setting) {
        return size(setting) == 0 ? "" : "r=" + size(setting);
    }

    /**
     * The {@link MethodOption}s the method takes; a setting that sets another is refused. Every
     * option by default, so methods written before the options existed keep working.
     */
    default Set<MethodOption> options() {
        return EnumSet.allOf(MethodOption.class);
    }

    /** The components a setting of the study targets when none are chosen ({@link FineTuning#study}). */
    default Set<Component> defaultComponents() {
        return Set.of();
    }

    /**
     * Checks that {@code setting} is one this method can run.
     *
     * @throws ExperimentException naming what is missing
     */
    default void check(FineTuning setting) {}

    /**
     * The PEFT configuration of a setting as a builder with its targets, size and parts trained in
     * full already set (callers may add more targets or parts before {@code build()} or
     * {@code report(...)}); empty for a method that trains nothing or builds its model otherwise.
     * Why a builder: {@code inspect} counts the parameters of any method from a config alone with it.
     */
    default Optional<PeftBuilder<?>> peftBuilder(FineTuning setting) {
        return Optional.empty();
    }

    /**
     * The trainable model of a setting on {@code base}, of any family (the base stays untouched).
     *
     * @throws ExperimentException for a method that trains nothing, or one the base's family cannot take
     */
    PeftModel<?> adapt(BaseModel base, FineTuning setting);
}
