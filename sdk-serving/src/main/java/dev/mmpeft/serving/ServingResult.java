package dev.mmpeft.serving;

import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * The answer to a {@link ServingRequest}: the text (generated, or the best choice), the tokens,
 * each choice's loss when choices were given, and where the time went. Why the batch size is in it:
 * a client (and the load test) can see how much batching it got.
 */
@Value.Immutable
public abstract class ServingResult {
    /** The answer text. */
    public abstract String text();

    /** The adapter that answered; empty for the base model. */
    public abstract Optional<String> adapter();

    /** The generated token ids (empty for candidate scoring). */
    public abstract List<Long> tokens();

    /** Each choice's loss, in the request's order (lower is better, as LAVIS ranks); empty without choices. */
    public abstract List<Float> scores();

    /** How many requests shared the forward pass. */
    public abstract int batchSize();

    /** Milliseconds from submission until the batch started. */
    public abstract double queueMillis();

    /** Milliseconds the batch computed. */
    public abstract double computeMillis();

    /** Milliseconds from submission until the answer. */
    public abstract double totalMillis();

    public static Builder builder() {
        return new Builder();
    }

    /** The builder of a {@link ServingResult}. */
    public static class Builder extends ImmutableServingResult.Builder {}
}
