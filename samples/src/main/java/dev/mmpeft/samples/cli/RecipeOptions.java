package dev.mmpeft.samples.cli;

import dev.mmpeft.experiments.ExperimentException;
import dev.mmpeft.experiments.FineTuning;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The training recipe's flags, shared by {@code train}, {@code quickstart} and {@code sweep}; their
 * defaults come from {@link RecipeDefaults} (the commands name it as their default-value
 * provider), so the three commands cannot disagree. Values are checked here, with the flag's name
 * in the message (exit 2).
 */
public final class RecipeOptions {
    private static final Pattern ALPHA = Pattern.compile("([0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\\s*(x?r)?");

    @Spec(Spec.Target.MIXEE) CommandSpec mixee;

    @Option(names = "--alpha", paramLabel = "A|Kr",
            description = "LoRA alpha (scaling alpha / r): a number, or a multiple of the rank such as 4r (default ${DEFAULT-VALUE}).")
    String alpha;

    @Option(names = "--dropout", paramLabel = "P", description = "LoRA dropout (default ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--lr", paramLabel = "LR",
            description = "Peak learning rate of LoRA (default ${DEFAULT-VALUE}; the papers used 5e-4 on 4B-7B models).")
    double lr;

    @Option(names = "--full-lr", paramLabel = "LR",
            description = "Peak learning rate of full Q-Former fine-tuning (default ${DEFAULT-VALUE}; the papers used 2e-5).")
    double fullLr;

    @Option(names = "--weight-decay", paramLabel = "WD", description = "AdamW weight decay (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--batching", paramLabel = "B",
            description = "Batch order: shuffled, grouped (transformers' group_by_length) or bucketed (length buckets, least"
                    + " padding; the training log prints each epoch's padding ratio) (default ${DEFAULT-VALUE}).")
    String batching;

    @Option(names = "--schedule", paramLabel = "S",
            description = "Learning-rate schedule: linear-per-epoch, linear, constant or cosine (default ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--epochs", paramLabel = "N", description = "Maximum epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", paramLabel = "N", description = "Examples per step (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--patience", paramLabel = "N", description = "Early-stopping patience in epochs (default ${DEFAULT-VALUE}; 0: off).")
    int patience;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of data order, dropout and adapter initialisation (default ${DEFAULT-VALUE}).")
    long seed;

    /** The LoRA alpha at rank {@code r}: the number given, or its multiple of r. */
    double alphaAt(int r) {
        Matcher m = ALPHA.matcher(alpha.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw bad("--alpha must be a number or a multiple of the rank such as 4r, got '" + alpha + "'");
        }
        double v = Double.parseDouble(m.group(1));
        if (!(v > 0) || Double.isInfinite(v)) {
            throw bad("--alpha must be > 0, got " + alpha);
        }
        return m.group(2) == null ? v : v * r;
    }

    /** Whether alpha scales with the rank ({@code 4r}) rather than being fixed. */
    boolean alphaPerRank() {
        return alpha.strip().toLowerCase(Locale.ROOT).endsWith("r");
    }

    /** {@code base} with this recipe (LoRA's learning rate, or the full one when {@code full}). */
    FineTuning apply(FineTuning base, boolean full) {
        check();
        FineTuning.Builder b = base.toBuilder().learningRate(full ? fullLr : lr).weightDecay(weightDecay)
                .epochs(epochs).batchSize(batchSize).patience(patience).seed(seed).schedule(schedule()).batching(batching());
        if (!full) {
            b.alpha(alphaAt(base.rank())).dropout(dropout);
        }
        return b.build();
    }

    FineTuning.Batching batching() {
        try {
            return FineTuning.Batching.parse(batching);
        } catch (ExperimentException e) {
            throw bad("--batching: " + e.getMessage());
        }
    }

    FineTuning.Schedule schedule() {
        try {
            return FineTuning.Schedule.parse(schedule);
        } catch (ExperimentException e) {
            throw bad("--schedule: " + e.getMessage());
        }
    }

    private void check() {
        positive("--lr", lr);
        positive("--full-lr", fullLr);
        if (!(dropout >= 0 && dropout < 1)) {
            throw bad("--dropout must be in [0, 1), got " + dropout);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw bad("--weight-decay must be >= 0, got " + weightDecay);
        }
        atLeast("--epochs", epochs, 1);
        atLeast("--batch-size", batchSize, 1);
        atLeast("--patience", patience, 0);
        alphaAt(1);
        schedule();
        batching();
    }

    private void positive(String flag, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw bad(flag + " must be > 0, got " + v);
        }
    }

    private void atLeast(String flag, int v, int min) {
        if (v < min) {
            throw bad(flag + " must be >= " + min + ", got " + v);
        }
    }

    /** Whether {@code flag} was given on the command line (rather than defaulted by {@link RecipeDefaults}). */
    boolean given(String flag) {
        // the option's own record of what the command line gave it: defaults never appear there
        CommandLine.Model.OptionSpec o = mixee.findOption(flag);
        return o != null && !o.originalStringValues().isEmpty();
    }

    CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(mixee.commandLine(), message);
    }
}
