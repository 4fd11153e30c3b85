package dev.mmpeft.samples.cli;

import dev.mmpeft.core.Component;
import dev.mmpeft.experiments.ExperimentException;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.samples.quickstart.Quickstart;
import java.util.Set;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The flags of one fine-tuning setting, shared by {@code quickstart} and {@code train}: what is
 * adapted (LoRA targets and rank, or the whole Q-Former) plus the {@link RecipeOptions}. Defaults
 * come from {@link RecipeDefaults}, the one recipe of every command.
 */
public final class FineTuningOptions {
    @Option(names = "--target", paramLabel = "C1,C2", description = "LoRA components (default ${DEFAULT-VALUE}): QFORMER_SELF_ATTN,"
            + " QFORMER_CROSS_ATTN, QFORMER_FFN, QFORMER_ALL, LLM_ATTN, LLM_FFN, LLM_ALL.")
    String target;

    @Option(names = "--full-qformer", description = "Fine-tune the Q-Former (with query tokens and projection) in full instead of LoRA.")
    boolean fullQformer;

    @Option(names = "--rank", paramLabel = "R", description = "LoRA rank (default ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--train-extras", description = "Also train query_tokens and language_projection in full (the papers' LoRA runs).")
    boolean trainExtras;

    @Mixin RecipeOptions recipe;

    /** The setting the flags describe. */
    public FineTuning setting() {
        if (fullQformer) {
            return recipe.apply(Quickstart.Options.defaultFullSetting(), true);
        }
        if (rank < 1) {
            throw recipe.bad("--rank must be >= 1, got " + rank);
        }
        Set<Component> components;
        try {
            components = FineTuning.parseComponents(target);
        } catch (IllegalArgumentException | ExperimentException e) {
            throw recipe.bad("--target: " + e.getMessage());
        }
        FineTuning base = Quickstart.Options.defaultSetting().toBuilder().components(components).rank(rank)
                .trainExtras(trainExtras).build();
        return recipe.apply(base, false);
    }
}
