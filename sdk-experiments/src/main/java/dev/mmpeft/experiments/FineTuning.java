package dev.mmpeft.experiments;

import dev.mmpeft.core.Component;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.immutables.value.Value;

/**
 * One fine-tuning setting of the papers' grid: an {@link AdaptationMethod} with its size (the
 * LoRA rank) and targets, and the recipe (AdamW with linear decay per epoch, early stopping on
 * validation accuracy). Why a value: a setting names its run's folder ({@link #slug()}), its row in
 * the tables and its {@code summary.json}, so two equal settings are the same run.
 *
 * <pre>{@code
 * FineTuning s = FineTuning.lora(EnumSet.of(QFORMER_CROSS_ATTN, LLM_FFN), 2).withRecipe(5e-3, 15, 16, 3);
 * FineTuning custom = FineTuning.builder().method(myIa3).addComponents(LLM_FFN).build();
 * }</pre>
 */
@Value.Immutable
public abstract class FineTuning {
    /** How the setting adapts the model. */
    public abstract AdaptationMethod method();

    /** The targets of the method (LoRA's components; ignored by whole-module methods). */
    public abstract Set<Component> components();

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

    /** Seed of data order, dropout and adapter initialisation. */
    @Value.Default
    public long seed() {
        return 42;
    }

    @Value.Check
    protected void check() {
        method().check(this);
        if (rank() < 1) {
            throw new ExperimentException("rank must be >= 1, got " + rank());
        }
        if (epochs() < 1 || batchSize() < 1 || patience() < 0 || learningRate() <= 0) {
            throw new ExperimentException("epochs and batch size must be >= 1, patience >= 0 and the learning rate > 0;"
                    + " got epochs " + epochs() + ", batch " + batchSize() + ", patience " + patience() + ", lr "
                    + learningRate());
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
