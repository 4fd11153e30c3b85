package dev.mmpeft.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.models.nn.HfBlock;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What PEFT needs from a model family: its block tree under Hugging Face names, the module names
 * that make up each {@link Component}, and a way to build a second, empty structure of the same
 * architecture.
 *
 * <p>Why the second structure: {@link PeftModel} never modifies the model it adapts. It builds a
 * twin (parameters declared, no arrays), points the twin's frozen parameters at the base model's
 * arrays (no memory is duplicated) and attaches adapters to the twin only. InstructBLIP implements
 * this through {@code InstructBlip.fromConfig}; tests implement it for small block trees.
 *
 * @param <M> the model type users hold (for example {@code InstructBlip})
 */
public interface AdaptableModel<M> {
    /** The model itself. */
    M model();

    /** The root of the block tree; its parameter and module names are the Hugging Face names. */
    HfBlock root();

    /**
     * The names, relative to {@link #root()}, of what makes up an elementary component: linear
     * module names for attention and feed-forward components, the module or parameter name for
     * {@link Component#LANGUAGE_PROJECTION} and {@link Component#QUERY_TOKENS}; empty when the model
     * has no such component.
     */
    Set<String> modulesOf(Component component);

    /**
     * A new model of the same architecture whose parameters are declared (names and shapes) but
     * hold no arrays yet.
     */
    AdaptableModel<M> newStructure();

    /** The model's configuration, written as {@code config.json} when a merged model is exported. */
    default Optional<ModelConfig> config() {
        return Optional.empty();
    }

    /** Where the model came from ({@code base_model_name_or_path} of a saved adapter). */
    default Optional<String> nameOrPath() {
        return Optional.empty();
    }

    /** PEFT's {@code task_type} for this model ({@code SEQ_2_SEQ_LM} for T5, {@code CAUSAL_LM} for LLaMA). */
    default Optional<String> taskType() {
        return Optional.empty();
    }

    /**
     * The ids the model's processor gives an instruction for the model's instruction encoder (the
     * Q-Former of InstructBLIP adapted with its processor), when there is one: methods that feed
     * instructions of their own (PETAL's instruction experts) tokenize them once, when planned.
     */
    default Optional<long[]> instructionIds(String instruction) {
        return Optional.empty();
    }

    /**
     * The mean training loss of {@code batch} computed by {@code model} (the adapted twin), every
     * intermediate array in {@code scope}.
     *
     * @throws UnsupportedOperationException when this family cannot compute a loss from prompts
     */
    default NDArray loss(M model, List<Prompt> batch, NDManager scope) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " computes no loss from prompts");
    }

    /**
     * Lets {@code model} (the adapted twin) reuse the outputs of its frozen parts through
     * {@code cache} (null: stop); see {@code TrainableModel#reuseFrozenFeatures}. Families with
     * nothing to reuse keep this default, which ignores it.
     */
    default void reuseFrozenFeatures(M model, dev.mmpeft.core.cache.@org.jspecify.annotations.Nullable FeatureCache cache) {}

    /** The token positions {@code prompt} occupies before padding (length-aware batching); empty when unknown. */
    default java.util.OptionalInt tokenLength(Prompt prompt) {
        return java.util.OptionalInt.empty();
    }
}
