package dev.mmpeft.serving;

import dev.mmpeft.core.config.ConfigException;
import java.time.Duration;
import org.immutables.value.Value;

/**
 * The limits and batching settings of a {@link ServingEngine}: how many requests wait, how many
 * share a forward pass, how long a batch waits to fill, how many adapters stay in memory, and what
 * a single request may ask for. Why a value: a service reads them from flags or a file once, and
 * the engine checks them once, here.
 */
@Value.Immutable
public abstract class ServingConfig {
    /** Requests sharing one forward pass at most (1 turns batching off). */
    @Value.Default
    public int maxBatchSize() {
        return 8;
    }

    /** How long the first request of a batch waits for others to join it. */
    @Value.Default
    public Duration maxWait() {
        return Duration.ofMillis(10);
    }

    /** Requests waiting at most; more are refused with {@link ServingException.Reason#QUEUE_FULL}. */
    @Value.Default
    public int queueCapacity() {
        return 64;
    }

    /** A request's timeout unless it sets its own (queueing and computing together). */
    @Value.Default
    public Duration requestTimeout() {
        return Duration.ofSeconds(60);
    }

    /** Adapters kept in memory at most; the least recently used one is unloaded to make room. */
    @Value.Default
    public int maxResidentAdapters() {
        return 8;
    }

    /** The largest {@code max_new_tokens} a request may ask for. */
    @Value.Default
    public int maxNewTokens() {
        return 64;
    }

    /** The most beams a request may ask for. */
    @Value.Default
    public int maxBeams() {
        return 8;
    }

    /** The most tokens a prompt may have (the language model's tokens, image placeholders included). */
    @Value.Default
    public int maxPromptTokens() {
        return 128;
    }

    /** The most answer choices a request may give. */
    @Value.Default
    public int maxChoices() {
        return 32;
    }

    @Value.Check
    protected void check() {
        positive("max_batch_size", maxBatchSize());
        positive("queue_capacity", queueCapacity());
        positive("max_resident_adapters", maxResidentAdapters());
        positive("max_new_tokens", maxNewTokens());
        positive("max_beams", maxBeams());
        positive("max_prompt_tokens", maxPromptTokens());
        positive("max_choices", maxChoices());
        if (maxWait().isNegative()) {
            throw new ConfigException("ServingConfig.max_wait must be >= 0, got " + maxWait());
        }
        if (requestTimeout().isNegative() || requestTimeout().isZero()) {
            throw new ConfigException("ServingConfig.request_timeout must be > 0, got " + requestTimeout());
        }
    }

    private static void positive(String field, int value) {
        if (value < 1) {
            throw new ConfigException("ServingConfig." + field + " must be >= 1, got " + value);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().from(this);
    }

    /** The builder of a {@link ServingConfig}. */
    public static class Builder extends ImmutableServingConfig.Builder {}
}
