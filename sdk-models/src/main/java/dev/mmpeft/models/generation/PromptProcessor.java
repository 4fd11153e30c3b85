package dev.mmpeft.models.generation;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Prompt;
import java.util.List;

/**
 * What a family's processor does for answering prompts: prompts to the family's typed inputs (for
 * generation and for candidate scoring), answer candidates to token ids, generated ids to text.
 * Why an interface: {@link Predictor} answers prompts the same way for every family
 * (InstructBLIP, LLaVA, LaVIN); each family's processor implements it.
 *
 * @param <I> the family's typed model inputs
 */
public interface PromptProcessor<I> {
    /** The inputs that generation starts from (prompts without targets), arrays in {@code manager}. */
    I generationInputs(List<Prompt> prompts, NDManager manager);

    /** The inputs candidate scoring reads (prompts padded on the right), arrays in {@code manager}. */
    I scoringInputs(List<Prompt> prompts, NDManager manager);

    /** Each candidate's token ids as the family's scoring expects them. */
    List<long[]> candidateIds(List<String> candidates);

    /** Generated ids as text (special tokens dropped). */
    String decode(long[] ids);
}
