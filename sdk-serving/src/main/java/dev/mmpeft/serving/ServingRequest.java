package dev.mmpeft.serving;

import dev.mmpeft.models.processing.RgbImage;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * One question about one image for a {@link ServingEngine}: the adapter to answer with (none: the
 * base model), the prompt, and either answer choices to rank (candidate scoring) or generation
 * settings. Why a value: it crosses from the thread that received it to the engine's worker, so it
 * must not change on the way.
 */
@Value.Immutable
public abstract class ServingRequest {
    /** The adapter to answer with; empty for the base model alone. */
    public abstract Optional<String> adapter();

    /** The prompt for the language model. */
    public abstract String prompt();

    /** The text for the Q-Former; the prompt when empty (as transformers' processor feeds both). */
    public abstract Optional<String> instruction();

    /** The image, decoded. */
    @Value.Auxiliary
    public abstract RgbImage image();

    /** Answer choices: when given, each is scored by the model's loss and the best one is the answer. */
    public abstract List<String> choices();

    /** New tokens at most (generation). */
    @Value.Default
    public int maxNewTokens() {
        return 30;
    }

    /** Beams (1: greedy). */
    @Value.Default
    public int numBeams() {
        return 1;
    }

    /** This request's timeout, instead of the engine's. */
    public abstract Optional<Duration> timeout();

    /** The Q-Former's text. */
    public String qformerText() {
        return instruction().orElse(prompt());
    }

    @Value.Check
    protected void check() {
        if (maxNewTokens() < 1) {
            throw new ServingException(ServingException.Reason.BAD_REQUEST, "max_new_tokens must be >= 1, got " + maxNewTokens());
        }
        if (numBeams() < 1) {
            throw new ServingException(ServingException.Reason.BAD_REQUEST, "num_beams must be >= 1, got " + numBeams());
        }
        for (int i = 0; i < choices().size(); i++) {
            if (choices().get(i).isBlank()) {
                throw new ServingException(ServingException.Reason.BAD_REQUEST, "choices[" + i + "] is empty");
            }
        }
        adapter().ifPresent(a -> {
            if (a.isBlank()) {
                throw new ServingException(ServingException.Reason.BAD_REQUEST, "adapter is an empty name; leave it out for the base model");
            }
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().from(this);
    }

    /** The builder of a {@link ServingRequest}. */
    public static class Builder extends ImmutableServingRequest.Builder {}
}
