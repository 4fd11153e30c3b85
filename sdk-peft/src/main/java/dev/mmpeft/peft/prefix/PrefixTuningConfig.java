package dev.mmpeft.peft.prefix;

import dev.mmpeft.peft.PeftBuilder;
import dev.mmpeft.peft.PeftConfig;
import dev.mmpeft.peft.PeftException;
import java.util.Optional;
import java.util.OptionalInt;
import org.immutables.value.Value;

/**
 * A prefix-tuning adapter's configuration: Hugging Face PEFT's {@code PrefixTuningConfig}. Build
 * one with {@link dev.mmpeft.peft.Peft#prefix()} ({@code virtualTokens(n)}, optionally
 * {@code projection(hidden)}); the model fills in {@code num_layers}, {@code token_dim},
 * {@code num_attention_heads} and {@code num_transformer_submodules} as PEFT does.
 *
 * <p>Why a value: the configuration is applied, saved and read back unchanged; a bad value fails
 * where it is set, naming the PEFT field. See the {@linkplain dev.mmpeft.peft.prefix package
 * documentation} for where the prefixes go.
 */
@Value.Immutable
public abstract class PrefixTuningConfig extends PeftConfig {
    /** The {@code peft_type} of prefix tuning. */
    public static final String PEFT_TYPE = "PREFIX_TUNING";

    @Override
    public final String peftType() {
        return PEFT_TYPE;
    }

    /** {@code num_virtual_tokens}: the prefix length {@code P} (required). */
    @Value.Default
    public int numVirtualTokens() {
        return 0;
    }

    /** {@code token_dim}: the key/value width per layer; from the model when absent. */
    public abstract OptionalInt tokenDim();

    /** {@code num_attention_heads}: key/value heads; from the model when absent. */
    public abstract OptionalInt numAttentionHeads();

    /** {@code num_layers}: self-attention layers; from the model when absent. */
    public abstract OptionalInt numLayers();

    /** {@code num_transformer_submodules}: 2 for encoder-decoders, 1 otherwise; from the model when absent. */
    public abstract OptionalInt numTransformerSubmodules();

    /** {@code prefix_projection}: train the prefixes through PEFT's two-layer MLP. */
    @Value.Default
    public boolean prefixProjection() {
        return false;
    }

    /** {@code encoder_hidden_size}: the MLP's hidden width ({@code token_dim} when absent). */
    public abstract OptionalInt encoderHiddenSize();

    /** {@code init_weights}: absent (prefixes N(0, 1), as {@code nn.Embedding}) or {@code "zero"}. */
    public abstract Optional<String> initWeights();

    /** Whether the reparameterisation MLP trains (PEFT builds it unless {@code inference_mode}). */
    public boolean trainsProjection() {
        return prefixProjection() && !inferenceMode();
    }

    @Override
    public String describe() {
        return "prefix tuning vt=" + numVirtualTokens()
                + (prefixProjection() ? ", projection " + encoderHiddenSize().orElse(tokenDim().orElse(0)) : "");
    }

    @Value.Check
    protected void check() {
        String owner = "PrefixTuningConfig";
        if (numVirtualTokens() <= 0) {
            throw new PeftException(owner + ".num_virtual_tokens must be > 0 (set virtualTokens(n)), got " + numVirtualTokens());
        }
        positive(owner, "token_dim", tokenDim());
        positive(owner, "num_attention_heads", numAttentionHeads());
        positive(owner, "num_layers", numLayers());
        positive(owner, "encoder_hidden_size", encoderHiddenSize());
        if (numTransformerSubmodules().isPresent() && numTransformerSubmodules().getAsInt() != 1 && numTransformerSubmodules().getAsInt() != 2) {
            throw new PeftException(owner + ".num_transformer_submodules must be 1 or 2, got " + numTransformerSubmodules().getAsInt());
        }
        if (initWeights().isPresent() && !initWeights().get().equals("zero")) {
            throw new PeftException(owner + ".init_weights must be null or \"zero\", got \"" + initWeights().get() + "\"");
        }
        checkCommon(owner);
    }

    private static void positive(String owner, String field, OptionalInt value) {
        if (value.isPresent() && value.getAsInt() <= 0) {
            throw new PeftException(owner + "." + field + " must be > 0, got " + value.getAsInt());
        }
    }

    /** A builder with PEFT's defaults (give {@code virtualTokens(n)}). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /**
     * The one builder of a {@link PrefixTuningConfig}: PEFT's field names
     * ({@code numVirtualTokens}, {@code prefixProjection}, {@code encoderHiddenSize}, ...) and the
     * fluent ones ({@code virtualTokens}, {@code projection}, {@code train}, {@code on}).
     */
    public static class Builder extends ImmutablePrefixTuningConfig.Builder implements PeftBuilder<Builder> {
        private long seed;

        /** {@code num_virtual_tokens}: the prefix length. */
        public Builder virtualTokens(int n) {
            return numVirtualTokens(n);
        }

        /** PEFT's reparameterisation: {@code prefix_projection} with an MLP of {@code hidden} ({@code encoder_hidden_size}). */
        public Builder projection(int hidden) {
            return prefixProjection(true).encoderHiddenSize(hidden);
        }

        /** {@code init_weights = "zero"}: all-zero prefixes (or a zero last MLP layer). */
        public Builder zeroInit() {
            return initWeights("zero");
        }

        @Override
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        @Override
        public long seed() {
            return seed;
        }
    }
}
