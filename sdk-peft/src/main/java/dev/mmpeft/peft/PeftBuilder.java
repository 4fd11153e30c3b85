package dev.mmpeft.peft;

import dev.mmpeft.core.Component;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;

/**
 * The fluent vocabulary every method's configuration builder shares: parts trained in full beside
 * the adapter, the initialisation seed, and applying the configuration to a model ({@link #on}) or
 * counting what it would train ({@link #report}). Each method's {@code Config.Builder} implements
 * it on top of its generated setters, so one builder per configuration speaks both the fluent names
 * and the PEFT field names.
 *
 * @param <B> the builder's own type
 */
public interface PeftBuilder<B extends PeftBuilder<B>> {
    /** The validated configuration. @throws PeftException naming the field and value at fault */
    PeftConfig build();

    /** Seed of the adapter's initial values (default 0); equal seeds give equal starting adapters. */
    B seed(long seed);

    /** The seed set by {@link #seed(long)}. */
    long seed();

    /** PEFT's {@code modules_to_save} entries, as the generated builder adds them. */
    B addModulesToSave(String... elements);

    /** Components trained in full, as the generated builder adds them. */
    B addTrainComponents(Component... elements);

    /** {@code modules_to_save}, replacing earlier entries (generated). */
    B modulesToSave(Iterable<String> elements);

    /** {@code base_model_name_or_path} written with the adapter (defaults to the model's own). */
    B baseModelNameOrPath(String nameOrPath);

    /** {@code revision} of the base model. */
    B revision(String revision);

    /** {@code task_type} written with the adapter (defaults to the model family's). */
    B taskType(String taskType);

    /** {@code inference_mode}: an adapter that does not train when loaded. */
    B inferenceMode(boolean inferenceMode);

    /**
     * Also trains these components in full (PEFT's {@code modules_to_save}): for example
     * {@link Component#QUERY_TOKENS} and {@link Component#LANGUAGE_PROJECTION}, trainable in the
     * papers' LoRA runs, or {@link Component#QFORMER_ALL}.
     */
    default B train(Component... components) {
        return addTrainComponents(components);
    }

    /** Also trains these modules or tensors in full (PEFT's {@code modules_to_save}). */
    default B train(String... modulesOrTensors) {
        return addModulesToSave(modulesOrTensors);
    }

    /** Adds full fine-tuning of other parts (the papers' "LLM LoRA + Q-Former full"). */
    default B and(FullConfig full) {
        addTrainComponents(full.components().toArray(new Component[0]));
        return addModulesToSave(full.modules().toArray(new String[0]));
    }

    /** Adds full fine-tuning of other parts. */
    default B and(FullConfig.Builder full) {
        return and(full.build());
    }

    /** Adapts {@code model}: builds the configuration and a {@link PeftModel} (the model is not modified). */
    default <M> PeftModel<M> on(AdaptableModel<M> model) {
        return PeftModel.adapt(model, build(), seed());
    }

    /** Adapts an InstructBLIP model (see {@link Adaptables#instructBlip(InstructBlip)}). */
    default PeftModel<InstructBlip> on(InstructBlip model) {
        return on(Adaptables.instructBlip(model));
    }

    /**
     * Adapts an InstructBLIP model with the processor of its directory, so the result trains on
     * prompts; {@code nameOrPath} is written to saved adapters as {@code base_model_name_or_path}.
     */
    default PeftModel<InstructBlip> on(InstructBlip model, InstructBlipProcessor processor, String nameOrPath) {
        return on(Adaptables.instructBlip(model, processor, nameOrPath));
    }

    /**
     * The trainable-parameter report this configuration would give on {@code structure}, from
     * declared shapes alone: works on a model built from a config with no weights allocated.
     */
    default ParameterReport report(AdaptableModel<?> structure) {
        return Peft.report(build(), structure);
    }

    /** The report this configuration gives on an InstructBLIP structure (for example {@code InstructBlip.fromConfig}). */
    default ParameterReport report(InstructBlip structure) {
        return report(Adaptables.instructBlip(structure));
    }
}
