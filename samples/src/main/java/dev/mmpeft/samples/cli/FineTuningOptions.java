package dev.mmpeft.samples.cli;

import dev.mmpeft.samples.experiment.FineTuning;
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
        FineTuning s = defaults;
        if (fullQformer) {
            s = FineTuning.fullQformer();
        } else if (target != null) {
            s = new FineTuning(FineTuning.Method.LORA, FineTuning.parseComponents(target), s.rank(), s.alpha(), s.dropout(),
                    s.trainExtras(), s.learningRate(), s.weightDecay(), s.epochs(), s.batchSize(), s.patience(), s.seed());
        }
        if (rank != null) {
            s = new FineTuning(s.method(), s.components(), rank, alpha == null ? 2.0 * rank : s.alpha(), s.dropout(),
                    s.trainExtras(), s.learningRate(), s.weightDecay(), s.epochs(), s.batchSize(), s.patience(), s.seed());
        }
        if (alpha != null) {
            s = s.withAlpha(alpha);
        }
        if (dropout != null) {
            s = s.withDropout(dropout);
        }
        if (trainExtras) {
            s = s.withTrainExtras(true);
        }
        if (lr != null || epochs != null || batchSize != null || patience != null) {
            s = s.withRecipe(lr == null ? s.learningRate() : lr, epochs == null ? s.epochs() : epochs,
                    batchSize == null ? s.batchSize() : batchSize, patience == null ? s.patience() : patience);
        }
        if (seed != null) {
            s = s.withSeed(seed);
        }
        return s;
    }
}
