package dev.mmpeft.models.family;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.nn.HfModel;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A loaded model of any family, driven by tensors under transformers' input names
 * ({@link ModelInputs}): what the CLI's {@code forward}, {@code generate} and {@code inspect} and
 * the evaluation pipeline need, so that they treat every family alike.
 *
 * <p>Why named tensors rather than each family's typed inputs: the families take different inputs
 * (InstructBLIP's {@code qformer_input_ids}, LLaVA's image tokens inside {@code input_ids}), and a
 * forward-inputs file is exactly such a set of named tensors. The typed APIs
 * ({@code InstructBlip}, {@code Llava}) stay available through {@link #model()}.
 *
 * <p>Arrays that forward, generation and scoring compute belong to the inputs' manager, as for
 * the typed APIs: scope each batch in a sub-manager.
 */
public interface MultimodalModel extends AutoCloseable {
    /** The family's name ({@link ModelFamily#name()}). */
    String family();

    /** The config the model was built from. */
    ModelConfig config();

    /** The block tree under Hugging Face names (an {@code InstructBlip}, a {@code Llava}), for PEFT. */
    HfModel<?> model();

    /**
     * The module names that make up a component (empty when the family has no such part, e.g. the
     * Q-Former for LLaVA). Structural: no array is needed.
     */
    Set<String> modulesOf(Component component);

    /** Parameter counts per top-level part, in model order, from declared shapes alone. */
    Map<String, Long> parameterCounts();

    /** Total parameter count (tied weights once). */
    default long parameterCount() {
        return parameterCounts().values().stream().mapToLong(Long::longValue).sum();
    }

    /** The input tensors a forward pass needs, by transformers' names. */
    List<String> requiredInputs();

    /** The input tensors a forward pass also accepts. */
    List<String> optionalInputs();

    /**
     * One forward pass: {@code logits}, {@code loss} when {@code labels} are given, and the family's
     * extra outputs.
     *
     * @throws dev.mmpeft.core.MmpeftException naming a missing, unexpected or ill-shaped input
     */
    ModelOutputs forward(ModelInputs inputs);

    /** Greedy or beam-search generation from the prompt inputs (no labels); new tokens only. */
    GenerationResult generate(ModelInputs inputs, GenerationConfig generation);

    /**
     * Per example, the loss of every answer candidate (lower is better), as the family's scoring
     * defines it.
     *
     * @param candidates each candidate's ids as the family's tokenizer returns them
     */
    CandidateScores scoreCandidates(ModelInputs inputs, List<long[]> candidates);

    /** Frees the arrays the model owns. */
    @Override
    void close();
}
