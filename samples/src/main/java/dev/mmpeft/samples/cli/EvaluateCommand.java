package dev.mmpeft.samples.cli;

import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.eval.report.Reports;
import dev.mmpeft.experiments.BaseModel;
import dev.mmpeft.experiments.Experiment;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.plots.EvaluationCharts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./mmpeft evaluate}: a model (optionally with an adapter) on a dataset split, by candidate scoring, with the official breakdown. */
@Command(
        name = "evaluate",
        header = "Evaluates a model (and adapter) on a dataset split: candidate scoring or generation.",
        mixinStandardHelpOptions = true,
        description = {
            "Answers a dataset split's multiple-choice questions by candidate scoring (each",
            "option scored by the model's loss, as LAVIS does) and prints the official",
            "breakdown (ScienceQA: NAT/SOC/LAN/TXT/IMG/NO/G1-6/G7-12/Avg; IconQA: per",
            "sub-task and skill). Captioning and open-VQA formats (flickr30k, textcaps,",
            "okvqa, textvqa) are answered by generation (greedy, or --num-beams) and scored",
            "with CIDEr and ROUGE or VQA accuracy after the official answer normalisation.",
            "--adapter applies a saved adapter (LoRA, IA3, DMA, ...) first. Prompts use the",
            "template the adapter (else the model) was trained with, as its mmpeft_task.json",
            "records; --template overrides. By default the papers' records are scored",
            "(ScienceQA: questions with an image; IconQA: choose_txt) and what was left out",
            "is printed; --all scores every record.",
        })
public final class EvaluateCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin ModelOption model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT adapter directory to apply.")
    Path adapter;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "A dataset folder.")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "scienceqa", description = "scienceqa, iconqa, jsonl, flickr30k, textcaps, okvqa, aokvqa or textvqa (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--split", paramLabel = "S", defaultValue = "test", description = "Split to evaluate (default ${DEFAULT-VALUE}).")
    String split;

    @Mixin SelectionOptions selection;

    @Mixin DeviceOption device;

    @Option(names = "--report-dir", paramLabel = "DIR", description = "Write result JSON, Markdown, CSV, records and a bar chart here.")
    Path reportDir;

    @Mixin TemplateOption template;

    @Mixin TaskOptions taskOptions = new TaskOptions();

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        dev.mmpeft.core.Device on = device.single();
        String f = CliArgs.format(cl, format);
        Path modelDir = model.directory();
        if (adapter != null && !Files.isDirectory(adapter)) {
            throw new dev.mmpeft.core.MmpeftException(adapter + ": no such adapter directory (--adapter)");
        }
        TemplateOption.Chosen chosen = adapter != null ? template.choose(f, adapter, modelDir) : template.choose(f, modelDir);
        TaskData task = taskOptions.apply(chosen.apply(selection.apply(TaskData.of(f, data))), 0);
        TaskData.Split read = task.read(split);
        if (read.examples().isEmpty()) {
            throw new IllegalArgumentException("no " + task.format() + " examples in split '" + split + "' under " + data + " ("
                    + task.selection() + "; " + read.filtered() + " left out)");
        }
        java.io.PrintWriter console = cl.getOut();
        console.println(chosen.describe());
        console.println(describe(task, read));
        console.flush();
        EvaluationResult result;
        try (BaseModel base = model.loadBase(on)) {
            if (adapter != null) {
                try (PeftModel<?> peft = Peft.load(base.adaptable(), adapter, false)) {
                    result = Experiment.evaluate(base.predictor(peft), task, read.examples());
                }
            } else {
                result = Experiment.evaluate(base.predictor(), task, read.examples());
            }
        }
        console.print(Reports.markdown(result));
        if (result.metric().equals(dev.mmpeft.eval.CaptionEvaluator.METRIC)) {
            // captions: CIDEr and ROUGE times 100, as PETAL's Table 1
            console.printf("%s on %s split '%s' (%d examples):%n%s", result.evaluator(), task.format(), split, read.examples().size(),
                    Experiment.indent("  ", result));
        } else {
            console.printf("%s on %s split '%s' (%d examples): %.2f%%%n", result.evaluator(), task.format(), split, read.examples().size(),
                    result.headline());
        }
        if (reportDir != null) {
            Reports.writeAll(result, reportDir);
            EvaluationCharts.writeResult(result, reportDir);
            console.println("reports: " + reportDir.toAbsolutePath());
        }
        console.flush();
        return 0;
    }

    /** One line: what was scored and what was left out, in the flags' words. */
    static String describe(TaskData task, TaskData.Split read) {
        StringBuilder sb = new StringBuilder("data: " + read.examples().size() + " examples (" + task.selection() + ")");
        if (read.filtered() > 0) {
            sb.append("; left out: ").append(read.filtered()).append(task.imagesOnly() ? " without an image" : "")
                    .append(!task.subtasks().isEmpty() ? (task.imagesOnly() ? " or" : "") + " of other sub-tasks" : "")
                    .append(" (--all scores every record)");
        }
        if (read.skippedMissingImages() > 0) {
            sb.append("; skipped: ").append(read.skippedMissingImages()).append(" whose image file is missing");
        }
        return sb.toString();
    }
}
