package dev.mmpeft.peft.ia3;

import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.TargetedConfig;
import dev.mmpeft.peft.TargetingBuilder;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.immutables.value.Value;

/**
 * An (IA)³ adapter's configuration: Hugging Face PEFT's {@code IA3Config}, plus targets by
 * {@link dev.mmpeft.core.Component}. Immutable and validated when built; build one with
 * {@link dev.mmpeft.peft.Peft#ia3()}, whose builder speaks both the fluent names ({@code target},
 * {@code feedforward}, {@code on}) and PEFT's ({@code targetModules}, {@code feedforwardModules}).
 *
 * <p>Why a value: the same configuration is applied to a model, written to
 * {@code adapter_config.json} and read back, so it must not change under the adapter's feet, and a
 * bad value must fail where it is set, naming the field.
 *
 * <p>Semantics are PEFT's: each targeted linear layer gets a learned vector {@code ia3_l}; an
 * attention layer scales its output ({@code y = base(x) * l}, {@code l [out, 1]}), a feed-forward
 * layer its input ({@code y = base(x * l)}, {@code l [1, in]}). A module is feed-forward when its
 * name ends with an entry of {@link #feedforwardModules()} (a plain suffix test, as PEFT's) or fully
 * matches {@link #feedforwardRegex()}; when neither is given, the model family's table decides
 * (T5 {@code wo}, LLaMA {@code down_proj}, Q-Former {@code output.dense}). Without any target the
 * family's default targets apply (T5 {@code k, v, wo}; LLaMA {@code k_proj, v_proj, down_proj}); a
 * component target means the modules of that component's blocks that have an IA3 role.
 */
@Value.Immutable
public abstract class Ia3Config extends TargetedConfig {
    /** The {@code peft_type} of IA3 adapters. */
    public static final String PEFT_TYPE = "IA3";

    @Override
    public final String peftType() {
        return PEFT_TYPE;
    }

    /**
     * {@code feedforward_modules} as a list: modules whose name ends with an entry scale their input.
     * Absent (PEFT's {@code None}): the model family's table decides; present and empty: no module does.
     */
    public abstract Optional<List<String>> feedforwardModules();

    /** {@code feedforward_modules} as a single string: a regular expression matched against whole module names. */
    public abstract Optional<String> feedforwardRegex();

    /** {@code init_ia3_weights}: vectors start at one (the model is unchanged); false draws them from N(0, 1) as PEFT does. */
    @Value.Default
    public boolean initIa3Weights() {
        return true;
    }

    /** {@code fan_in_fan_out}: only false (this SDK's layers store weights as {@code [out, in]}, like {@code nn.Linear}). */
    @Value.Default
    public boolean fanInFanOut() {
        return false;
    }

    /** Whether {@code module} is feed-forward by the explicit {@code feedforward_modules}, when they are given. */
    Optional<Boolean> explicitFeedforward(String module) {
        if (feedforwardRegex().isPresent()) {
            return Optional.of(module.matches(feedforwardRegex().get()));
        }
        return feedforwardModules().map(entries -> entries.stream().anyMatch(module::endsWith));
    }

    @Override
    public String describe() {
        return "IA3" + feedforwardModules().map(f -> " (feed-forward " + f + ")").orElse("")
                + feedforwardRegex().map(f -> " (feed-forward '" + f + "')").orElse("");
    }

    @Value.Check
    protected void check() {
        checkTargets("IA3Config");
        if (fanInFanOut()) {
            throw new PeftException("IA3Config.fan_in_fan_out must be false, got true: it is for GPT-2's Conv1D weights"
                    + " stored [in, out]; this SDK's layers are nn.Linear ([out, in])");
        }
        if (!layersToTransform().isEmpty() || !layersPattern().isEmpty()) {
            throw new PeftException("IA3Config has no layers_to_transform/layers_pattern (PEFT's IA3Config takes neither), got "
                    + layersToTransform() + " / " + layersPattern() + "; name the modules in target_modules instead");
        }
        if (feedforwardRegex().isPresent() && feedforwardModules().isPresent()) {
            throw new PeftException("IA3Config.feedforward_modules is either a list of names or one regular expression, got both: "
                    + feedforwardModules().get() + " and '" + feedforwardRegex().get() + "'");
        }
        feedforwardRegex().ifPresent(p -> compile("IA3Config", "feedforward_modules", p));
        for (String name : feedforwardModules().orElse(List.of())) {
            if (name.isBlank()) {
                throw new PeftException("IA3Config.feedforward_modules contains an empty name");
            }
        }
        if (feedforwardModules().isPresent() && !targetModules().isEmpty()) {
            // PEFT's IA3Config.__post_init__: when both are lists, feed-forward modules must be targets
            Set<String> outside = new LinkedHashSet<>(feedforwardModules().get());
            outside.removeAll(targetModules());
            if (!outside.isEmpty()) {
                throw new PeftException("IA3Config.feedforward_modules must be a subset of target_modules (PEFT's rule): "
                        + outside + " not in target_modules " + targetModules());
            }
        }
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
     * The one builder of an {@link Ia3Config}: the generated PEFT-named setters
     * ({@code targetModules}, {@code feedforwardModules}, {@code initIa3Weights}, ...) plus the fluent
     * names ({@code target}, {@code feedforward}, {@code train}, {@code on}).
     */
    public static class Builder extends ImmutableIa3Config.Builder implements TargetingBuilder<Builder> {
        private long seed;

        /**
         * {@code feedforward_modules}: these targets scale their input instead of their output (a
         * module is feed-forward when its name ends with an entry); replaces earlier entries.
         */
        public Builder feedforward(String... moduleNames) {
            return feedforwardModules(List.of(moduleNames));
        }

        /** {@code init_ia3_weights}: false starts the vectors from N(0, 1) instead of ones. */
        public Builder init(boolean ones) {
            return initIa3Weights(ones);
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
