package dev.mmpeft.models.generation;

import com.google.common.collect.ImmutableList;
import java.util.Arrays;
import java.util.List;

/**
 * What a generation produced, per returned sequence (prompt {@code b}'s {@code j}-th best at
 * index {@code b * numReturnSequences + j}): the new tokens, the score, and the sequences as
 * transformers' {@code generate} returns them.
 */
public final class GenerationResult {
    private final List<long[]> tokens;
    private final float[] scores;
    private final long[][] sequences;
    private final int numReturnSequences;

    GenerationResult(List<long[]> tokens, float[] scores, long[][] sequences, int numReturnSequences) {
        this.tokens = tokens.stream().map(long[]::clone).collect(ImmutableList.toImmutableList());
        this.scores = scores.clone();
        this.sequences = Arrays.stream(sequences).map(long[]::clone).toArray(long[][]::new);
        this.numReturnSequences = numReturnSequences;
    }

    /** Number of returned sequences. */
    public int size() {
        return tokens.size();
    }

    /** Sequences returned per prompt. */
    public int numReturnSequences() {
        return numReturnSequences;
    }

    /** The generated tokens of sequence {@code i}: new tokens only, the EOS included when one was generated, no padding. */
    public long[] tokens(int i) {
        return tokens.get(i).clone();
    }

    /** The generated tokens of every sequence. */
    public List<long[]> tokens() {
        return tokens.stream().map(long[]::clone).collect(ImmutableList.toImmutableList());
    }

    /**
     * Sequence {@code i}'s score: the sum of its tokens' log-probabilities (after logit processors)
     * divided by {@code length ^ length_penalty} ({@code sequences_scores} in transformers' beam
     * search; computed the same way for greedy decoding).
     */
    public float score(int i) {
        return scores[i];
    }

    /**
     * The sequences as transformers' {@code generate} returns them: the decoder start token first
     * for encoder-decoders, the prompt ids first when generation started from ids of a decoder-only
     * model, then the new tokens, padded to a common length with the pad id. (transformers' newest
     * beam search pads with the EOS id instead when the pad id is 0, an artefact of
     * {@code pad_token_id or eos_token_id}; the tokens themselves are the same.)
     */
    public long[][] sequences() {
        return Arrays.stream(sequences).map(long[]::clone).toArray(long[][]::new);
    }
}
