package dev.mmpeft.samples.cli;

import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.StandardMethods;
import picocli.CommandLine.Option;

/**
 * The flags of one fine-tuning setting, shared by {@code quickstart} and {@code train}; each flag
 * left out keeps the command's default setting.
 */
public final class FineTuningOptions {
    private final FineTuning defaults;

    @Option(names = "--target", paramLabel = "C1,C2", description = "LoRA components, e.g. QFORMER_CROSS_ATTN,LLM_FFN"
            + " (QFORMER_SELF_ATTN, QFORMER_CROSS_ATTN, QFORMER_FFN, QFORMER_ALL, LLM_ATTN, LLM_FFN, LLM_ALL).")
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

    public FineTuningOptions(FineTuning defaults) {
        this.defaults = defaults;
    }

    /** The setting the flags describe. */
    public FineTuning setting() {
        FineTuning.Builder s = defaults.toBuilder();
        if (fullQformer) {
            s = FineTuning.fullQformer().toBuilder();
        } else if (target != null) {
            s.method(StandardMethods.LORA).components(FineTuning.parseComponents(target));
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
