package dev.mmpeft.experiments;

import dev.mmpeft.core.Component;
import dev.mmpeft.peft.bottleneck.AdapterPlacement;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import org.immutables.value.Value;

/**
 * One fine-tuning setting of the papers' grid or of the empirical PEFT study: an
 * {@link AdaptationMethod} with its size (the LoRA rank, the bottleneck size, the virtual tokens,
 * ...), targets and connector setting, and the recipe (AdamW with linear decay per epoch, early stopping on
 * validation accuracy). Why a value: a setting names its run's folder ({@link #slug()}), its row in
 * the tables and its {@code summary.json}, so two equal settings are the same run.
 *
 * <pre>{@code
 * FineTuning s = FineTuning.lora(EnumSet.of(QFORMER_CROSS_ATTN, LLM_FFN), 2).withRecipe(5e-3, 15, 16, 3);
 * FineTuning custom = FineTuning.builder().method(myIa3).addComponents(LLM_FFN).build();
 * FineTuning prefix = FineTuning.study(StandardMethods.PREFIX).withConnectorTuned(true);   // vt = 10, connector trained
 * }</pre>
 *
 * <p>The size fields of the other methods are empty unless set; a method refuses a size field of
 * another method ({@link MethodOption}), so {@code virtualTokens} on a LoRA setting fails where the
 * setting is built.
 */
@Value.Immutable
public abstract class FineTuning {
    /** How the setting adapts the model. */
    public abstract AdaptationMethod method();

    /** The targets of the method (LoRA's components; ignored by whole-module methods). */
    public abstract Set<Component> components();

    /**
     * Targets by Hugging Face module name besides the components (PEFT's list
     * {@code target_modules}: a name or a suffix after a dot), for the methods that take targets.
     */
    public abstract List<String> targetModules();

    /** The method's size: the LoRA rank r. */
    @Value.Default
    public int rank() {
        return 1;
    }

    /** LoRA alpha (scaling alpha / r). */
    @Value.Default
    public double alpha() {
        return 2;
    }

    /** LoRA dropout. */
    @Value.Default
    public double dropout() {
        return 0;
    }

    /** Also train {@code query_tokens} and {@code language_projection} fully with LoRA (the papers' LoRA runs). */
    @Value.Default
    public boolean trainExtras() {
        return false;
    }

    /**
     * Also train the connector ({@code language_projection}) in full: the empirical PEFT study's
     * "with connector" setting, for any method.
     */
    @Value.Default
    public boolean tuneConnector() {
        return false;
    }

    /** Bottleneck adapters: the inner width {@code s} (exclusive with {@link #reductionFactor()}). */
    public abstract OptionalInt bottleneckSize();

    /** Bottleneck adapters: {@code s = floor(width / f)} per sub-layer (exclusive with {@link #bottleneckSize()}). */
    public abstract OptionalDouble reductionFactor();

    /** Bottleneck adapters: Pfeiffer (the default) or Houlsby placement. */
    public abstract Optional<AdapterPlacement> placement();

    /** Prefix tuning: the number of virtual tokens {@code vt}. */
    public abstract OptionalInt virtualTokens();

    /** Prefix tuning: the hidden width of PEFT's reparameterisation MLP ({@code prefix_projection}), when used. */
    public abstract OptionalInt prefixProjection();

    /** Adaption prompts: prompt positions per adapted layer ({@code adapter_len}). */
    public abstract OptionalInt promptLength();

    /** Adaption prompts: how many of the top layers get a prompt ({@code adapter_layers}). */
    public abstract OptionalInt adaptionLayers();

    /** Peak learning rate (the papers: 5e-4 for LoRA, 2e-5 for the full Q-Former). */
    @Value.Default
    public double learningRate() {
        return 5e-4;
    }

    /** AdamW weight decay (the papers: 0.05). */
    @Value.Default
    public double weightDecay() {
        return 0.05;
    }

    /** Maximum epochs (the papers: 15). */
    @Value.Default
    public int epochs() {
        return 15;
    }

    /** Examples per optimizer step (the papers: 16). */
    @Value.Default
    public int batchSize() {
        return 16;
    }

    /** Early-stopping patience in validations (the papers: 3); 0 turns it off. */
    @Value.Default
    public int patience() {
        return 3;
    }

    /** How the learning rate moves from its peak (the papers: linear decay per epoch). */
    @Value.Default
    public Schedule schedule() {
        return Schedule.LINEAR_PER_EPOCH;
    }

    /** The learning-rate schedules a setting can name; why an enum: it is part of the setting's value and of {@code summary.json}. */
    public enum Schedule {
        /** Linear decay to zero, the rate held constant within an epoch (LAVIS's InstructBLIP fine-tuning, the papers). */
        LINEAR_PER_EPOCH,
        /** Linear decay to zero over the steps (Hugging Face's default). */
        LINEAR,
        /** The peak rate throughout. */
        CONSTANT,
        /** Cosine decay to zero over the steps. */
        COSINE;

        /** The name on command lines and in files: {@code linear-per-epoch}. */
        public String optionName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        /**
         * A schedule by its option name ({@code linear-per-epoch}; case and {@code _}/{@code -} ignored).
         *
         * @throws ExperimentException naming the value and the known ones
         */
        public static Schedule parse(String text) {
            String t = text.strip().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
            for (Schedule s : values()) {
                if (s.name().equals(t)) {
                    return s;
                }
            }
            throw new ExperimentException("unknown schedule '" + text + "'; expected one of "
                    + java.util.Arrays.stream(values()).map(Schedule::optionName).toList());
        }
    }

    /** How an epoch's examples are put into batches (each batch is padded to its own longest prompt). */
    @Value.Default
    public Batching batching() {
        return Batching.SHUFFLED;
    }

    /** The batch orders a setting can name: the shuffled order, or length-aware ones that pad less. */
    public enum Batching {
        /** The seeded shuffle (the papers). */
        SHUFFLED,
        /** transformers' {@code group_by_length}: megabatches of the shuffle, each sorted by length. */
        GROUPED,
        /** Length buckets: the epoch sorted by length and cut into batches, the batches shuffled (least padding). */
        BUCKETED;

        /** The name on command lines and in files: {@code bucketed}. */
        public String optionName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /**
         * A batching by its option name (case ignored).
         *
         * @throws ExperimentException naming the value and the known ones
         */
        public static Batching parse(String text) {
            for (Batching b : values()) {
                if (b.optionName().equals(text.strip().toLowerCase(java.util.Locale.ROOT))) {
                    return b;
                }
            }
            throw new ExperimentException("unknown batching '" + text + "'; expected one of "
                    + java.util.Arrays.stream(values()).map(Batching::optionName).toList());
        }
    }

    /** Seed of data order, dropout and adapter initialisation. */
    @Value.Default
    public long seed() {
        return 42;
    }

    @Value.Check
    protected void check() {
        if (rank() < 1) {
            throw new ExperimentException("rank must be >= 1, got " + rank());
        }
        positive("bottleneck size", bottleneckSize());
        positive("virtual tokens", virtualTokens());
        positive("prefix projection", prefixProjection());
        positive("prompt length", promptLength());
        positive("adaption layers", adaptionLayers());
        if (reductionFactor().isPresent() && !(reductionFactor().getAsDouble() > 0 && Double.isFinite(reductionFactor().getAsDouble()))) {
            throw new ExperimentException("reduction factor must be a finite number > 0, got " + reductionFactor().getAsDouble());
        }
        for (MethodOption option : MethodOption.values()) {
            if (option.isSetIn(this) && !method().options().contains(option)) {
                throw new ExperimentException(option.refusal(method()));
            }
        }
        method().check(this);
        if (epochs() < 1 || batchSize() < 1 || patience() < 0 || learningRate() <= 0) {
            throw new ExperimentException("epochs and batch size must be >= 1, patience >= 0 and the learning rate > 0;"
                    + " got epochs " + epochs() + ", batch " + batchSize() + ", patience " + patience() + ", lr "
                    + learningRate());
        }
    }

    private static void positive(String what, OptionalInt value) {
        if (value.isPresent() && value.getAsInt() < 1) {
            throw new ExperimentException(what + " must be >= 1, got " + value.getAsInt());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this setting's values, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** LoRA at rank r on the components, alpha 2r, with the papers' recipe (lr 5e-4, wd 0.05, 15 epochs, batch 16, patience 3). */
    public static FineTuning lora(Set<Component> components, int rank) {
        return builder().method(StandardMethods.LORA).components(components).rank(rank).alpha(2.0 * rank)
                .dropout(0.05).build();
    }

    /**
     * PETAL's dynamic mode approximation at rank R = 64 on every attention projection of the
     * Q-Former, with {@code method}'s parts (DMA, AIM, SIB) on or off; lr 1e-3 (the factors start at
     * zero), otherwise the papers' recipe.
     */
    public static FineTuning dma(PetalMethod method) {
        return builder().method(method).addComponents(Component.QFORMER_ALL).rank(64).learningRate(1e-3).build();
    }

    /** Full fine-tuning of the Q-Former with the papers' recipe (lr 2e-5). */
    public static FineTuning fullQformer() {
        return builder().method(StandardMethods.FULL_QFORMER).learningRate(2e-5).build();
    }

    /**
     * {@code method} in the study's recipe ({@link #studyRecipe()}) on its default targets
     * ({@link AdaptationMethod#defaultComponents()}) at its default size ({@link StandardMethods}
     * documents them).
     */
    public static FineTuning study(AdaptationMethod method) {
        return studyRecipe().toBuilder().method(method).components(method.defaultComponents()).build();
    }

    /**
     * The recipe the sweep and the embedded default use for the PEFT study's methods: LoRA's rank 2
     * and alpha 8 on the whole language model, dropout 0.05, lr 5e-3, 15 epochs, batch 16, patience 3.
     */
    public static FineTuning studyRecipe() {
        return builder().method(StandardMethods.LORA).components(EnumSet.of(Component.LLM_ALL)).rank(2).alpha(8)
                .dropout(0.05).learningRate(5e-3).build();
    }

    /** No training: the model as it is. */
    public static FineTuning zeroShot() {
        return builder().method(StandardMethods.ZERO_SHOT).learningRate(1e-4).epochs(1).patience(0).build();
    }

    /** The same setting with another recipe. */
    public FineTuning withRecipe(double lr, int maxEpochs, int batch, int newPatience) {
        return toBuilder().learningRate(lr).epochs(maxEpochs).batchSize(batch).patience(newPatience).build();
    }

    public FineTuning withAlpha(double newAlpha) {
        return toBuilder().alpha(newAlpha).build();
    }

    public FineTuning withDropout(double newDropout) {
        return toBuilder().dropout(newDropout).build();
    }

    public FineTuning withTrainExtras(boolean on) {
        return toBuilder().trainExtras(on).build();
    }

    /** The same setting with the connector ({@code language_projection}) trained in full, or not. */
    public FineTuning withConnectorTuned(boolean on) {
        return toBuilder().tuneConnector(on).build();
    }

    public FineTuning withSeed(long newSeed) {
        return toBuilder().seed(newSeed).build();
    }

    /** The setting's row label: the components joined with {@code +} in the papers' order, {@code QFORMER_FULL}, {@code zero-shot}. */
    public String componentLabel() {
        return method().label(this);
    }

    /** A folder-safe name of this setting: {@code lora-qformer_cross_attn+llm_ffn-r2}, {@code qformer-full}, {@code zero-shot}. */
    public String slug() {
        return method().slug(this);
    }

    /** Parses {@code QFORMER_CROSS_ATTN,LLM_FFN} or {@code qformer-cross-attn+llm-ffn}. */
    public static Set<Component> parseComponents(String text) {
        List<Component> parsed = Arrays.stream(text.split("[,+]"))
                .map(String::trim).filter(s -> !s.isEmpty()).map(Component::parse).collect(Collectors.toList());
        if (parsed.isEmpty()) {
            throw new ExperimentException("no component in '" + text + "'");
        }
        return EnumSet.copyOf(parsed);
    }

    /** Builds a setting; {@code build()} checks it (with the method's own check). */
    public static class Builder extends ImmutableFineTuning.Builder {}
}
