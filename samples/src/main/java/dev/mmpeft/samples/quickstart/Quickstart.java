package dev.mmpeft.samples.quickstart;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.eval.report.Comparison;
import dev.mmpeft.experiments.ExecutionOptions;
import dev.mmpeft.experiments.Experiment;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.plots.LossCurvePlot;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;

/**
 * The quickstart: everything the SDK promises in one run. Loads a model (the embedded default, or
 * any Hugging Face InstructBLIP directory), evaluates it zero-shot, fine-tunes LoRA on chosen
 * components with a progress bar, evaluates again, and leaves the adapter, reports and plots in
 * an output folder.
 *
 * <p>Without a dataset it writes the synthetic shifted task (ScienceQA layout) that the default
 * model has never seen; with one it reads an official ScienceQA or IconQA folder or JSONL.
 */
public final class Quickstart {
    private Quickstart() {}

    /**
     * What to run.
     *
     * @param model a Hugging Face InstructBLIP directory, or empty for the embedded default
     * @param data a dataset folder, or empty for the synthetic shifted task
     * @param format the dataset's format ({@code scienceqa}, {@code iconqa}, {@code jsonl})
     * @param output the folder for everything the run writes
     * @param setting the fine-tuning setting
     */
    public record Options(Optional<Path> model, Optional<Path> data, String format, Path output, FineTuning setting) {
        /** The default: LoRA r = 2 on the Q-Former cross-attention and the LLM feed-forward. */
        public static FineTuning defaultSetting() {
            return FineTuning.lora(EnumSet.of(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN), 2)
                    .withAlpha(8).withDropout(0.05).withRecipe(5e-3, 15, 16, 3);
        }

        public static Options defaults(Path output) {
            return new Options(Optional.empty(), Optional.empty(), "scienceqa", output, defaultSetting());
        }
    }

    /** The synthetic task the quickstart fine-tunes on when no dataset is given. */
    public static SyntheticDataset syntheticTask() {
        return SyntheticDataset.builder().seed(2026).variant(Variant.SHIFTED).train(320).val(48).test(120).imageSize(56)
                .choices(4).build();
    }

    /** How runs name a model: its directory, or the default model's name. */
    public static String modelId(Optional<Path> model) {
        return model.map(Path::toString).orElse(DefaultModel.NAME);
    }

    /**
     * The data of a run: a dataset folder in {@code format}, or, without one, the synthetic shifted
     * task written once to {@code out/data} and rendered with the default model's template.
     */
    public static TaskData taskData(Optional<Path> data, String format, Path out, PrintStream console) {
        if (data.isPresent()) {
            return TaskData.of(format, data.get());
        }
        Path dataDir = out.resolve("data");
        if (!Files.isDirectory(dataDir.resolve("images"))) {
            console.println("writing the synthetic shifted task (ScienceQA layout) to " + dataDir + " ...");
            syntheticTask().writeScienceQa(dataDir, true);
        }
        return TaskData.of("scienceqa", dataDir).withTemplate(DefaultModel.TEMPLATE);
    }

    /** Runs the quickstart; returns the experiment's outcome (the report is in {@code output/report.md}). */
    public static Experiment.Outcome run(Options options, PrintStream console) throws IOException {
        return run(options, console, ExecutionOptions.defaults());
    }

    /**
     * As {@link #run(Options, PrintStream)}, with the model loaded on the first of
     * {@code execution}'s devices (the CPU when it names none) and trained as it says.
     */
    public static Experiment.Outcome run(Options options, PrintStream console, ExecutionOptions execution) throws IOException {
        Path out = options.output().toAbsolutePath();
        Files.createDirectories(out);
        Path modelDir = options.model().orElseGet(DefaultModel::directory);
        String modelId = modelId(options.model());
        TaskData data = taskData(options.data(), options.format(), out, console);
        Device device = execution.devices().isEmpty() ? Device.cpu() : execution.devices().get(0);
        console.printf(Locale.ROOT, "loading %s on %s ...%n", modelId, device);
        try (InstructBlip model = InstructBlip.load(modelDir, device);
                InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, model.config())) {
            Experiment.Outcome outcome = Experiment.run(model, processor, modelId, data, options.setting(), out, true, false, console,
                    execution);
            AtomicFiles.writeString(out.resolve("report.md"), report(outcome, modelId, data));
            console.println();
            console.printf(Locale.ROOT, "zero-shot accuracy:  %6.2f%%%n", outcome.zeroShot().orElseThrow().headline());
            console.printf(Locale.ROOT, "fine-tuned accuracy: %6.2f%%  (%s, %,d trainable parameters)%n", outcome.accuracy(),
                    options.setting().slug(), outcome.trainableParameters());
            console.println("adapter:  " + out.resolve("adapter"));
            console.println("report:   " + out.resolve("report.md"));
            console.println("plots:    " + out.resolve("training").resolve(LossCurvePlot.FILE_NAME) + ", " + out.resolve("comparison/comparison.png"));
            console.println("output folder: " + out);
            return outcome;
        }
    }

    private static String report(Experiment.Outcome o, String modelId, TaskData data) {
        StringBuilder sb = new StringBuilder("# mmpeft quickstart\n\n");
        sb.append("- model: `").append(modelId).append("`\n");
        sb.append("- data: ").append(data.format()).append(" at `").append(data.root()).append("`\n");
        sb.append("- setting: ").append(o.setting().slug()).append(String.format(Locale.ROOT,
                " (alpha %s, dropout %s, lr %s, up to %d epochs, batch %d, early stopping patience %d)%n",
                o.setting().alpha(), o.setting().dropout(), o.setting().learningRate(), o.setting().epochs(),
                o.setting().batchSize(), o.setting().patience()));
        sb.append(String.format(Locale.ROOT, "- trainable parameters: %,d of %,d (%.4f%%)%n", o.trainableParameters(),
                o.totalParameters(), 100.0 * o.trainableParameters() / o.totalParameters()));
        o.training().ifPresent(t -> sb.append(String.format(Locale.ROOT, "- training: %d steps, %d epochs, %.1f s, %s%n",
                t.steps(), t.epochs(), t.seconds(), t.stopReason())));
        sb.append(String.format(Locale.ROOT, "%n## Accuracy%n%n| | accuracy |%n|---|---|%n| zero-shot | %.2f%% |%n"
                + "| fine-tuned | %.2f%% |%n%n", o.zeroShot().orElseThrow().headline(), o.accuracy()));
        sb.append("## Per group\n\n").append(Comparison.of(o.zeroShot().orElseThrow(), o.result()).markdown()).append("\n");
        sb.append("![accuracy per group](comparison/comparison.png)\n\n");
        sb.append("## Training\n\n![loss curve](training/" + LossCurvePlot.FILE_NAME + ")\n\n");
        sb.append("Files: `adapter/` (Hugging Face PEFT layout), `zero-shot/` and `fine-tuned/` (JSON, Markdown, CSV, ")
                .append("per-example records, bar chart), `comparison/`, `training/` (metrics, loss curve, provenance), ")
                .append("`trainable-parameters.txt`, `summary.json`.\n");
        return sb.toString();
    }
}
