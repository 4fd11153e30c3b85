package dev.mmpeft.samples.cli;

import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.PetalMethod;
import dev.mmpeft.peft.dma.DmaConfig;
import java.nio.file.Path;
import java.util.List;
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

    @Option(names = "--method", paramLabel = "M", description = "lora (default), dma (PETAL: mode approximation on the Q-Former's"
            + " attention, rank 64 unless --rank) or full-qformer.")
    String method;

    @Option(names = "--aim", paramLabel = "N", description = "PETAL (--method dma): AIM with N instruction experts (default set: 3).")
    Integer aim;

    @Option(names = "--aim-instructions", paramLabel = "FILE", description = "PETAL: AIM's instruction set, one per line"
            + " ({instruction} = the example's own); one expert per instruction unless --aim.")
    Path aimInstructions;

    @Option(names = "--sib", description = "PETAL: add the score-based information-bottleneck loss (logged as sib).")
    boolean sib;

    @Option(names = "--sib-eta", paramLabel = "E", description = "PETAL: SIB's eta in max I(Z;Y) - eta I(Z;X) (default 0.1).")
    Double sibEta;

    @Option(names = "--no-dma", description = "PETAL without the mode approximation (AIM and/or SIB only; ablation V4).")
    boolean noDma;

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

    /** PETAL's parts as the flags switch them. */
    private PetalMethod petal() {
        List<String> instructions = aimInstructions == null ? List.of() : DmaConfig.readInstructions(aimInstructions);
        int experts = aim != null ? aim : aimInstructions != null ? instructions.size() : 0;
        return new PetalMethod(!noDma, experts, instructions, sib, sibEta == null ? 0.1 : sibEta);
    }

    public FineTuningOptions(FineTuning defaults) {
        this.defaults = defaults;
    }

    /** The setting the flags describe. */
    public FineTuning setting() {
        FineTuning.Builder s = defaults.toBuilder();
        String m = method == null ? (fullQformer ? "full-qformer" : "") : method.toLowerCase(java.util.Locale.ROOT);
        boolean petal = m.equals("dma");
        if (m.equals("full-qformer")) {
            s = FineTuning.fullQformer().toBuilder();
        } else if (petal) {
            s = FineTuning.dma(petal()).toBuilder();
            if (target != null) {
                s.components(FineTuning.parseComponents(target));
            }
        } else if (!m.isEmpty() && !m.equals("lora")) {
            throw new IllegalArgumentException("invalid --method '" + method + "' (expected lora, dma or full-qformer)");
        } else if (target != null || m.equals("lora")) {
            s.method(StandardMethods.LORA);
            if (target != null) {
                s.components(FineTuning.parseComponents(target));
            }
        }
        if (!petal && (aim != null || aimInstructions != null || sib || sibEta != null || noDma)) {
            throw new IllegalArgumentException("--aim, --aim-instructions, --sib, --sib-eta and --no-dma are PETAL's: add --method dma");
        }
        if (rank != null) {
            s.rank(rank);
            if (alpha == null && !petal) {
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
