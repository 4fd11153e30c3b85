package dev.mmpeft.experiments;

import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.PeftModel;

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

    /**
     * Checks that {@code setting} is one this method can run.
     *
     * @throws ExperimentException naming what is missing
     */
    default void check(FineTuning setting) {}

    /**
     * The trainable model of a setting on {@code base} (the base stays untouched).
     *
     * @throws ExperimentException for a method that trains nothing
     */
    PeftModel<InstructBlip> adapt(InstructBlip base, InstructBlipProcessor processor, String modelId, FineTuning setting);
}
