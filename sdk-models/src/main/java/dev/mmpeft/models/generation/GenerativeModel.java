package dev.mmpeft.models.generation;

import java.util.List;

/**
 * A model that generates text and scores answer candidates from its family's typed inputs: the
 * half of prompt answering that the model does ({@link PromptProcessor} is the other half).
 *
 * @param <I> the family's typed model inputs
 */
public interface GenerativeModel<I> {
    /** Greedy or beam-search generation from prompt inputs; new tokens only. */
    GenerationResult generate(I inputs, GenerationConfig generation);

    /** Per example, the loss of every candidate (lower is better). */
    CandidateScores scoreCandidates(I inputs, List<long[]> candidates);
}
