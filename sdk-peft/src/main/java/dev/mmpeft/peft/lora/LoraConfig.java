package dev.mmpeft.peft.lora;

import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.TargetedConfig;
import dev.mmpeft.peft.TargetingBuilder;
import java.util.Map;
import org.immutables.value.Value;

/**
 * A LoRA adapter's configuration: Hugging Face PEFT's {@code LoraConfig}, plus targets by
 * {@link dev.mmpeft.core.Component}. Immutable and validated when built; build one with
 * {@link dev.mmpeft.peft.Peft#lora()}, whose builder speaks both the fluent names
 * ({@code rank}, {@code alpha}, {@code target}, {@code on}) and PEFT's ({@code r},
 * {@code loraAlpha}, {@code targetModules}).
 *
 * <p>Why a value: the same configuration is applied to a model, written to
 * {@code adapter_config.json} and read back, so it must not change under the adapter's feet, and a
 * bad value must fail where it is set, naming the field.
 *
 * <p>Semantics are PEFT's: {@code scaling = lora_alpha / r} (or {@code lora_alpha / sqrt(r)} with
 * {@link #useRslora()}); targets as {@link TargetedConfig} describes; {@link #rankPattern()} and
 * {@link #alphaPattern()} keys are regular expressions matched against the end of a module name
 * ({@code (.*\.)?(key)$}), first match wins.
 */
@Value.Immutable
public abstract class LoraConfig extends TargetedConfig {
    /** The {@code peft_type} of LoRA adapters. */
    public static final String PEFT_TYPE = "LORA";

    @Override
    public final String peftType() {
        return PEFT_TYPE;
    }

    /** The LoRA rank {@code r} (PEFT default 8). */
    @Value.Default
    public int r() {
        return 8;
    }

    /** {@code lora_alpha} (PEFT default 8). */
    @Value.Default
    public double loraAlpha() {
        return 8;
    }

    /** {@code lora_dropout}: dropout on the LoRA branch's input, in training mode only. */
    @Value.Default
    public double loraDropout() {
        return 0;
    }

    /** {@code use_rslora}: scale by {@code alpha / sqrt(r)} instead of {@code alpha / r}. */
    @Value.Default
    public boolean useRslora() {
        return false;
    }

    /** {@code init_lora_weights}. */
    @Value.Default
    public InitLoraWeights initLoraWeights() {
        return InitLoraWeights.DEFAULT;
    }

    /** {@code bias}: which base-model biases also train. */
    @Value.Default
    public LoraBias bias() {
        return LoraBias.NONE;
    }

    /** {@code lora_bias}: whether {@code lora_B} has a bias of its own (PEFT default false). */
    @Value.Default
    public boolean loraBias() {
        return false;
    }

    /**
     * {@code use_dora}: weight-decomposed LoRA (DoRA), as PEFT computes it: a trained magnitude per
     * output feature, initialised to the row norms of {@code W + scaling B A}, rescales
     * {@code W x + scaling B A x} by {@code magnitude / ||W + scaling B A||} (the norm taken without
     * gradient).
     */
    @Value.Default
    public boolean useDora() {
        return false;
    }

    /** {@code rank_pattern}: per-module ranks, keyed by a name pattern. */
    public abstract Map<String, Integer> rankPattern();

    /** {@code alpha_pattern}: per-module alphas, keyed by a name pattern. */
    public abstract Map<String, Double> alphaPattern();

    /** The scaling of a module with rank {@code r} and alpha {@code alpha} under this config. */
    public double scaling(int rank, double alpha) {
        return useRslora() ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    @Override
    public String describe() {
        return (useDora() ? "DoRA" : "LoRA") + " r=" + r() + ", alpha=" + number(loraAlpha()) + (useRslora() ? " (rsLoRA)" : "");
    }

    @Value.Check
    protected void check() {
        if (r() <= 0) {
            throw new PeftException("LoraConfig.r must be > 0, got " + r());
        }
        if (!Double.isFinite(loraAlpha())) {
            throw new PeftException("LoraConfig.lora_alpha must be a finite number, got " + loraAlpha());
        }
        if (!(loraDropout() >= 0 && loraDropout() < 1)) {
            throw new PeftException("LoraConfig.lora_dropout must be in [0, 1), got " + loraDropout());
        }
        if (useDora() && loraBias()) {
            // PEFT's LoraConfig refuses the same combination
            throw new PeftException("LoraConfig.lora_bias = true is not supported with use_dora = true (DoRA); set one of them to false");
        }
        checkTargets("LoraConfig");
        for (Map.Entry<String, Integer> e : rankPattern().entrySet()) {
            compile("LoraConfig", "rank_pattern key", e.getKey());
            if (e.getValue() <= 0) {
                throw new PeftException("LoraConfig.rank_pattern['" + e.getKey() + "'] must be > 0, got " + e.getValue());
            }
        }
        for (Map.Entry<String, Double> e : alphaPattern().entrySet()) {
            compile("LoraConfig", "alpha_pattern key", e.getKey());
            if (!Double.isFinite(e.getValue())) {
                throw new PeftException("LoraConfig.alpha_pattern['" + e.getKey() + "'] must be finite, got " + e.getValue());
            }
        }
    }

    static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** A builder with PEFT's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /**
     * The one builder of a {@link LoraConfig}: the generated PEFT-named setters ({@code r},
     * {@code loraAlpha}, {@code targetModules}, ...) plus the fluent names ({@code rank},
     * {@code alpha}, {@code target}, {@code train}, {@code on}).
     */
    public static class Builder extends ImmutableLoraConfig.Builder implements TargetingBuilder<Builder> {
        private long seed;

        /** The rank {@code r} (PEFT default 8). */
        public Builder rank(int r) {
            return r(r);
        }

        /** {@code lora_alpha} (PEFT default 8); scaling is alpha / r. */
        public Builder alpha(double alpha) {
            return loraAlpha(alpha);
        }

        /** {@code lora_dropout}, applied to the LoRA branch's input in training mode. */
        public Builder dropout(double p) {
            return loraDropout(p);
        }

        /** {@code init_lora_weights}. */
        public Builder init(InitLoraWeights init) {
            return initLoraWeights(init);
        }

        /** {@code use_dora}: DoRA, the weight-decomposed variant of LoRA (see {@link LoraConfig#useDora()}). */
        public Builder dora(boolean dora) {
            return useDora(dora);
        }

        /** {@code layers_pattern}: the module list the layer index follows ({@code layer}, {@code block}). */
        public Builder layersPattern(String... patterns) {
            return addLayersPattern(patterns);
        }

        /** A {@code rank_pattern} entry: modules matching {@code pattern} get rank {@code r}. */
        public Builder rankPattern(String pattern, int r) {
            return putRankPattern(pattern, r);
        }

        /** An {@code alpha_pattern} entry: modules matching {@code pattern} get alpha {@code alpha}. */
        public Builder alphaPattern(String pattern, double alpha) {
            return putAlphaPattern(pattern, alpha);
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
