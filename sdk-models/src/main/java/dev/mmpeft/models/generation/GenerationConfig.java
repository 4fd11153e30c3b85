package dev.mmpeft.models.generation;

import dev.mmpeft.core.MmpeftException;
import java.util.OptionalInt;
import org.immutables.value.Value;

/**
 * The options of one generation, named and defaulted as transformers' {@code GenerationConfig}
 * (greedy when {@code numBeams} is 1). Token ids left empty come from the model's config.
 */
@Value.Immutable
public abstract class GenerationConfig {
    /** {@code max_new_tokens}: tokens generated at most per sequence (the EOS included). */
    @Value.Default
    public int maxNewTokens() {
        return 20;
    }

    /** {@code min_new_tokens}: EOS is forbidden before this many tokens have been generated. */
    @Value.Default
    public int minNewTokens() {
        return 0;
    }

    /** {@code num_beams}: 1 for greedy decoding. */
    @Value.Default
    public int numBeams() {
        return 1;
    }

    /** {@code length_penalty}: beam scores are divided by {@code generated_length ^ lengthPenalty}. */
    @Value.Default
    public double lengthPenalty() {
        return 1.0;
    }

    /** {@code early_stopping} for beam search. */
    @Value.Default
    public EarlyStopping earlyStopping() {
        return EarlyStopping.HEURISTIC;
    }

    /** {@code repetition_penalty}: 1 for none; seen tokens' scores are divided (positive) or multiplied (negative) by it. */
    @Value.Default
    public double repetitionPenalty() {
        return 1.0;
    }

    /** {@code num_return_sequences}: best hypotheses returned per prompt (at most {@code numBeams}). */
    @Value.Default
    public int numReturnSequences() {
        return 1;
    }

    /** {@code use_cache}: keep past keys and values instead of recomputing every step. */
    @Value.Default
    public boolean useCache() {
        return true;
    }

    /** {@code eos_token_id}; the model's when empty. */
    public abstract OptionalInt eosTokenId();

    /** {@code pad_token_id} written after a finished sequence; the model's, else the EOS, when empty. */
    public abstract OptionalInt padTokenId();

    @Value.Check
    protected void check() {
        if (maxNewTokens() < 1) {
            throw new MmpeftException("generation config: max_new_tokens must be >= 1, got " + maxNewTokens());
        }
        if (minNewTokens() < 0 || minNewTokens() > maxNewTokens()) {
            throw new MmpeftException(
                    "generation config: min_new_tokens must be in [0, max_new_tokens=" + maxNewTokens() + "], got " + minNewTokens());
        }
        if (numBeams() < 1) {
            throw new MmpeftException("generation config: num_beams must be >= 1, got " + numBeams());
        }
        if (!(repetitionPenalty() > 0) || Double.isInfinite(repetitionPenalty())) {
            throw new MmpeftException("generation config: repetition_penalty must be a positive number, got " + repetitionPenalty());
        }
        if (Double.isNaN(lengthPenalty()) || Double.isInfinite(lengthPenalty())) {
            throw new MmpeftException("generation config: length_penalty must be finite, got " + lengthPenalty());
        }
        if (numReturnSequences() < 1 || numReturnSequences() > numBeams()) {
            throw new MmpeftException("generation config: num_return_sequences must be in [1, num_beams=" + numBeams()
                    + "] (greedy returns one), got " + numReturnSequences());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens. */
    public static GenerationConfig greedy(int maxNewTokens) {
        return builder().maxNewTokens(maxNewTokens).build();
    }

    /** Beam search with {@code numBeams} beams and the default length penalty (1.0). */
    public static GenerationConfig beams(int numBeams, int maxNewTokens) {
        return builder().numBeams(numBeams).maxNewTokens(maxNewTokens).build();
    }

    /** Builds a {@link GenerationConfig}; {@code build()} validates it. */
    public static class Builder extends ImmutableGenerationConfig.Builder {}
}
