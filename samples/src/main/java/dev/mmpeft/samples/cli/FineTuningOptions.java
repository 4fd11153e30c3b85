package dev.mmpeft.samples.cli;

import dev.mmpeft.core.Component;
import dev.mmpeft.experiments.AdaptationMethod;
import dev.mmpeft.experiments.ExperimentException;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.MethodOption;
import dev.mmpeft.models.instructblip.InstructBlipFamily;
import dev.mmpeft.samples.quickstart.Quickstart;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The flags of one fine-tuning setting, shared by {@code quickstart} and {@code train}: what is
 * adapted (LoRA targets and rank, another PEFT method through {@link MethodOptions}, or the whole
 * Q-Former) plus the {@link RecipeOptions}. Defaults come from {@link RecipeDefaults}, the one
 * recipe of every command; a method other than LoRA trains at its own learning rate
 * ({@link Quickstart#studyLearningRate}) unless {@code --lr} is given.
 */
public final class FineTuningOptions {
    @Mixin MethodOptions method = new MethodOptions();

    @Option(names = "--target", paramLabel = "C1,C2", description = "Components to adapt (default ${DEFAULT-VALUE}): QFORMER_SELF_ATTN,"
            + " QFORMER_CROSS_ATTN, QFORMER_FFN, QFORMER_ALL, LLM_ATTN, LLM_FFN, LLM_ALL; lora, dora, ia3 and adapter (methods"
            + " but LoRA and DoRA default to their own language-model targets).")
    String target;

    @Option(names = "--full-qformer", description = "Fine-tune the Q-Former (with query tokens and projection) in full instead of LoRA.")
    boolean fullQformer;

    @Option(names = "--rank", paramLabel = "R", description = "LoRA rank (default ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--train-extras", description = "Also train query_tokens and language_projection in full (the papers' LoRA runs).")
    boolean trainExtras;

    @Mixin PetalOptions petal = new PetalOptions();

    @Mixin RecipeOptions recipe;

    /** The setting the flags describe, on an InstructBLIP model. */
    public FineTuning setting() {
        return setting(InstructBlipFamily.NAME);
    }

    /**
     * The setting the flags describe on a model of {@code family}: without {@code --method}, the
     * family's method ({@link Quickstart.Options#defaultMethod(String)}: MM-Adapter for LaVIN, LoRA
     * otherwise); without {@code --target}, LoRA on the Q-Former and LLM for InstructBLIP and on the
     * whole LLM for LLaVA and LaVIN.
     */
    public FineTuning setting(String family) {
        if (method.dma()) {
            return petalSetting();
        }
        if (petal.any()) {
            throw recipe.bad("--aim, --aim-instructions, --sib, --sib-eta and --no-dma are PETAL's: add --method dma");
        }
        Optional<AdaptationMethod> chosen = method.method();
        if (fullQformer) {
            if (chosen.isPresent() || !method.given(Set.of()).isEmpty()) {
                throw recipe.bad("--full-qformer trains the Q-Former in full; it takes no --method, size or --connector option");
            }
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
        FineTuning lora = Quickstart.Options.defaultSetting();
        AdaptationMethod m = chosen.orElse(Quickstart.Options.defaultMethod(family));
        if (!recipe.given("--target") && !family.equals(InstructBlipFamily.NAME)) {
            // the command's default names Q-Former components, which LLaVA and LaVIN lack: the whole LLM instead
            components = EnumSet.of(Component.LLM_ALL);
        }
        Set<MethodOption> given = EnumSet.noneOf(MethodOption.class);
        if (recipe.given("--target")) {
            given.add(MethodOption.TARGET);
        }
        if (recipe.given("--rank")) {
            given.add(MethodOption.RANK);
        }
        if (recipe.given("--alpha")) {
            given.add(MethodOption.ALPHA);
        }
        method.check(List.of(m), given);
        boolean other = m != lora.method();
        // LoRA and DoRA (the methods with a rank) keep the command's targets; the others take their own defaults
        boolean ranked = m.options().contains(MethodOption.RANK);
        FineTuning.Builder b = lora.toBuilder().method(m).rank(rank).trainExtras(trainExtras)
                .components(ranked || given.contains(MethodOption.TARGET) ? components : m.defaultComponents());
        method.apply(b, m).tuneConnector(method.connectorTuned(!other && lora.tuneConnector()));
        FineTuning s = recipe.apply(b.build(), false);
        return other && !recipe.given("--lr") ? s.toBuilder().learningRate(Quickstart.studyLearningRate(m)).build() : s;
    }

    /** PETAL ({@code --method dma}): its recipe (rank 64 on QFORMER_ALL, lr 1e-3) unless --target, --rank or --lr say otherwise. */
    private FineTuning petalSetting() {
        if (fullQformer || !method.given(Set.of()).isEmpty()) {
            throw recipe.bad("--method dma takes PETAL's options (--rank, --target, --aim, --sib, ...), not --full-qformer or another"
                    + " method's sizes");
        }
        FineTuning.Builder b = FineTuning.dma(petal.method()).toBuilder().trainExtras(trainExtras);
        if (recipe.given("--target")) {
            try {
                b.components(FineTuning.parseComponents(target));
            } catch (IllegalArgumentException | ExperimentException e) {
                throw recipe.bad("--target: " + e.getMessage());
            }
        }
        if (recipe.given("--rank")) {
            b.rank(rank);
        }
        FineTuning dma = b.build();
        FineTuning s = recipe.apply(dma, false);
        return recipe.given("--lr") ? s : s.toBuilder().learningRate(dma.learningRate()).build();
    }
}
