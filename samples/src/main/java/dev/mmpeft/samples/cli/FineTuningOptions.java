package dev.mmpeft.samples.cli;

import dev.mmpeft.experiments.AdaptationMethod;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.MethodOption;
import dev.mmpeft.experiments.StandardMethods;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The flags of one fine-tuning setting, shared by {@code quickstart} and {@code train}; each flag
 * left out keeps the command's default setting. {@code --method} and its size options
 * ({@link MethodOptions}) choose another PEFT method than the default LoRA.
 */
public final class FineTuningOptions {
    private final FineTuning defaults;
    private final ToDoubleFunction<AdaptationMethod> learningRates;

    @Spec(Spec.Target.MIXEE) CommandSpec spec;

    @Mixin MethodOptions method = new MethodOptions();

    @Option(names = "--target", paramLabel = "C1,C2", description = "Components to adapt, e.g. QFORMER_CROSS_ATTN,LLM_FFN"
            + " (QFORMER_SELF_ATTN, QFORMER_CROSS_ATTN, QFORMER_FFN, QFORMER_ALL, LLM_ATTN, LLM_FFN, LLM_ALL); lora, dora, ia3 and"
            + " adapter (default for those but LoRA: the method's language-model targets).")
    String target;

    @Option(names = "--full-qformer", description = "Fine-tune the Q-Former (with query tokens and projection) in full instead of LoRA.")
    boolean fullQformer;

    @Option(names = "--rank", paramLabel = "R", description = "LoRA rank.")
    Integer rank;

    @Option(names = "--alpha", paramLabel = "A", description = "LoRA alpha (scaling alpha / r).")
    Double alpha;

    @Option(names = "--dropout", paramLabel = "P", description = "LoRA dropout.")
    Double dropout;

    @Option(names = "--train-extras", description = "Also train query_tokens and language_projection in full (the papers' LoRA runs).")
    boolean trainExtras;

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (AdamW, linear decay per epoch).")
    Double lr;

    @Option(names = "--epochs", paramLabel = "N", description = "Maximum epochs.")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N", description = "Examples per step.")
    Integer batchSize;

    @Option(names = "--patience", paramLabel = "N", description = "Early-stopping patience in epochs (0: off).")
    Integer patience;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of data order, dropout and adapter initialisation.")
    Long seed;

    /** The flags over {@code defaults}; another {@code --method} keeps its learning rate. */
    public FineTuningOptions(FineTuning defaults) {
        this(defaults, m -> defaults.learningRate());
    }

    /** The flags over {@code defaults}; another {@code --method} without {@code --lr} trains at {@code learningRates}' rate. */
    public FineTuningOptions(FineTuning defaults, ToDoubleFunction<AdaptationMethod> learningRates) {
        this.defaults = defaults;
        this.learningRates = learningRates;
    }

    /** The setting the flags describe. */
    public FineTuning setting() {
        FineTuning.Builder s = defaults.toBuilder();
        Optional<AdaptationMethod> chosen = method.method();
        if (fullQformer) {
            if (chosen.isPresent() || !method.given(Set.of()).isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--full-qformer trains the Q-Former in full; it takes no --method,"
                        + " size or --connector option");
            }
            s = FineTuning.fullQformer().toBuilder();
        } else if (chosen.isPresent() && chosen.get() != defaults.method()) {
            AdaptationMethod m = chosen.get();
            Set<MethodOption> given = EnumSet.noneOf(MethodOption.class);
            if (target != null) {
                given.add(MethodOption.TARGET);
            }
            if (rank != null) {
                given.add(MethodOption.RANK);
            }
            if (alpha != null) {
                given.add(MethodOption.ALPHA);
            }
            method.check(List.of(m), given);
            // LoRA and DoRA (the methods with a rank) keep the command's targets; the others take their own defaults
            boolean sameTargets = m.options().contains(MethodOption.RANK) && defaults.method().options().contains(MethodOption.RANK);
            s.method(m).components(target != null ? FineTuning.parseComponents(target)
                    : sameTargets ? defaults.components() : m.defaultComponents());
            method.apply(s, m).tuneConnector(method.connectorTuned(false)).learningRate(learningRates.applyAsDouble(m));
        } else {
            method.check(List.of(defaults.method()), Set.of());
            method.apply(s, defaults.method()).tuneConnector(method.connectorTuned(defaults.tuneConnector()));
            if (target != null) {
                s.method(StandardMethods.LORA).components(FineTuning.parseComponents(target));
            }
        }
        if (rank != null) {
            s.rank(rank);
            if (alpha == null) {
                s.alpha(2.0 * rank);
            }
        }
        if (alpha != null) {
            s.alpha(alpha);
        }
        if (dropout != null) {
            s.dropout(dropout);
        }
        if (trainExtras) {
            s.trainExtras(true);
        }
        if (lr != null) {
            s.learningRate(lr);
        }
        if (epochs != null) {
            s.epochs(epochs);
        }
        if (batchSize != null) {
            s.batchSize(batchSize);
        }
        if (patience != null) {
            s.patience(patience);
        }
        if (seed != null) {
            s.seed(seed);
        }
        return s.build();
    }
}
