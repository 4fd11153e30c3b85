package dev.mmpeft.samples.cli;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.eval.report.Reports;
import dev.mmpeft.experiments.Experiment;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.plots.EvaluationCharts;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./mmpeft evaluate}: a model (optionally with an adapter) on a dataset split, by candidate scoring, with the official breakdown. */
@Command(
        name = "evaluate",
        header = "Evaluates a model (and adapter) on a dataset split by candidate scoring.",
        mixinStandardHelpOptions = true,
        description = {
            "Answers a dataset split's multiple-choice questions by candidate scoring (each",
            "option scored by the model's loss, as LAVIS does) and prints the official",
            "breakdown (ScienceQA: NAT/SOC/LAN/TXT/IMG/NO/G1-6/G7-12/Avg; IconQA: per",
            "sub-task and skill). --adapter applies a PEFT LoRA adapter first.",
        })
public final class EvaluateCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A Hugging Face InstructBLIP directory with its tokenizers.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT adapter directory to apply.")
    Path adapter;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "A dataset folder.")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "scienceqa", description = "scienceqa, iconqa or jsonl (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--split", paramLabel = "S", defaultValue = "test", description = "Split to evaluate (default ${DEFAULT-VALUE}).")
    String split;

    @Mixin DeviceOption device;

    @Option(names = "--report-dir", paramLabel = "DIR", description = "Write result JSON, Markdown, CSV, records and a bar chart here.")
    Path reportDir;

    @Override
    public Integer call() throws Exception {
        dev.mmpeft.core.Device on = device.single();
        TaskData task = TaskData.of(CliArgs.format(format), data);
        List<MultimodalExample> examples = task.examples(split);
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no " + task.format() + " examples in split '" + split + "' under " + data);
        }
        EvaluationResult result;
        try (InstructBlip base = InstructBlip.load(model, on);
                InstructBlipProcessor processor = InstructBlipProcessor.load(model, base.config())) {
            if (adapter != null) {
                try (PeftModel<InstructBlip> peft = Peft.load(base, adapter, false)) {
                    result = Experiment.evaluate(peft.model(), processor, task, examples);
                }
            } else {
                result = Experiment.evaluate(base, processor, task, examples);
            }
        }
        java.io.PrintWriter console = spec.commandLine().getOut();
        console.print(Reports.markdown(result));
        console.printf("%s on %s split '%s' (%d examples): %.2f%%%n", result.evaluator(), task.format(), split, examples.size(),
                result.headline());
        if (reportDir != null) {
            Reports.writeAll(result, reportDir);
            EvaluationCharts.writeResult(result, reportDir);
            console.println("reports: " + reportDir.toAbsolutePath());
        }
        console.flush();
        return 0;
    }
}
