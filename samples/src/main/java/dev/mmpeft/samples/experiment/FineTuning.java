package dev.mmpeft.samples.experiment;

import dev.mmpeft.core.Component;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One fine-tuning setting of the papers' grid: which method on which components at which rank,
 * and the recipe (AdamW with linear decay, early stopping on validation accuracy).
 *
 * @param method zero-shot (no training), LoRA on {@code components}, or full fine-tuning of the
 *     Q-Former (with its query tokens and the language projection, as InstructBLIP trains it)
 * @param components LoRA targets (ignored by the other methods)
 * @param rank LoRA rank r
 * @param alpha LoRA alpha (scaling alpha / r)
 * @param dropout LoRA dropout
 * @param trainExtras also train {@code query_tokens} and {@code language_projection} fully with LoRA
 * @param learningRate peak learning rate (the papers: 5e-4 for LoRA, 2e-5 for full Q-Former)
 * @param weightDecay AdamW weight decay (the papers: 0.05)
 * @param epochs maximum epochs (the papers: 15)
 * @param batchSize examples per optimizer step (the papers: 16)
 * @param patience early-stopping patience in validations (the papers: 3); 0 turns it off
 * @param seed seed of data order, dropout and adapter initialisation
 */
public record FineTuning(
        Method method,
        Set<Component> components,
        int rank,
        double alpha,
        double dropout,
        boolean trainExtras,
        double learningRate,
        double weightDecay,
        int epochs,
        int batchSize,
        int patience,
        long seed) {
    /** How a setting trains. */
    public enum Method {
        ZERO_SHOT,
        LORA,
        FULL_QFORMER
    }

    public FineTuning {
        components = components.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(components));
        if (method == Method.LORA && components.isEmpty()) {
            throw new IllegalArgumentException("LoRA needs at least one component to target");
        }
        if (rank < 1) {
            throw new IllegalArgumentException("rank must be >= 1, got " + rank);
        }
        if (epochs < 1 || batchSize < 1 || patience < 0 || learningRate <= 0) {
            throw new IllegalArgumentException("epochs and batch size must be >= 1, patience >= 0 and the learning rate > 0;"
                    + " got epochs " + epochs + ", batch " + batchSize + ", patience " + patience + ", lr " + learningRate);
        }
    }

    /** LoRA at rank r on the components, alpha 2r, with the papers' recipe (lr 5e-4, wd 0.05, 15 epochs, batch 16, patience 3). */
    public static FineTuning lora(Set<Component> components, int rank) {
        return new FineTuning(Method.LORA, components, rank, 2.0 * rank, 0.05, false, 5e-4, 0.05, 15, 16, 3, 42);
    }

    /** Full fine-tuning of the Q-Former with the papers' recipe (lr 2e-5). */
    public static FineTuning fullQformer() {
        return new FineTuning(Method.FULL_QFORMER, Set.of(), 1, 2, 0, false, 2e-5, 0.05, 15, 16, 3, 42);
    }

    /** No training: the model as it is. */
    public static FineTuning zeroShot() {
        return new FineTuning(Method.ZERO_SHOT, Set.of(), 1, 2, 0, false, 1e-4, 0.05, 1, 16, 0, 42);
    }

    public FineTuning withRecipe(double lr, int maxEpochs, int batch, int newPatience) {
        return new FineTuning(method, components, rank, alpha, dropout, trainExtras, lr, weightDecay, maxEpochs, batch,
                newPatience, seed);
    }

    public FineTuning withAlpha(double newAlpha) {
        return new FineTuning(method, components, rank, newAlpha, dropout, trainExtras, learningRate, weightDecay, epochs,
                batchSize, patience, seed);
    }

    public FineTuning withDropout(double newDropout) {
        return new FineTuning(method, components, rank, alpha, newDropout, trainExtras, learningRate, weightDecay, epochs,
                batchSize, patience, seed);
    }

    public FineTuning withTrainExtras(boolean on) {
        return new FineTuning(method, components, rank, alpha, dropout, on, learningRate, weightDecay, epochs, batchSize,
                patience, seed);
    }

    public FineTuning withSeed(long newSeed) {
        return new FineTuning(method, components, rank, alpha, dropout, trainExtras, learningRate, weightDecay, epochs,
                batchSize, patience, newSeed);
    }

    /** The components' names joined with {@code +} in the papers' order ({@code QFORMER_CROSS_ATTN+LLM_FFN}). */
    public String componentLabel() {
        switch (method) {
            case ZERO_SHOT:
                return "zero-shot";
            case FULL_QFORMER:
                return "QFORMER_FULL";
            default:
                return components.stream().sorted().map(Enum::name).collect(Collectors.joining("+"));
        }
    }

    /** A folder-safe name of this setting: {@code lora-qformer_cross_attn+llm_ffn-r2}, {@code qformer-full}, {@code zero-shot}. */
    public String slug() {
        switch (method) {
            case ZERO_SHOT:
                return "zero-shot";
            case FULL_QFORMER:
                return "qformer-full";
            default:
                return "lora-" + componentLabel().toLowerCase(Locale.ROOT) + "-r" + rank;
        }
    }

    /** Parses {@code QFORMER_CROSS_ATTN,LLM_FFN} or {@code qformer-cross-attn+llm-ffn}. */
    public static Set<Component> parseComponents(String text) {
        List<Component> parsed = java.util.Arrays.stream(text.split("[,+]"))
                .map(String::trim).filter(s -> !s.isEmpty()).map(Component::parse).collect(Collectors.toList());
        if (parsed.isEmpty()) {
            throw new IllegalArgumentException("no component in '" + text + "'");
        }
        return EnumSet.copyOf(parsed);
    }
}
