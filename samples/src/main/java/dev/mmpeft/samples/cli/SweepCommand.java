package dev.mmpeft.samples.cli;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.Device;
import dev.mmpeft.experiments.ExecutionOptions;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.Sweep;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.samples.quickstart.DefaultModel;
import dev.mmpeft.samples.quickstart.Quickstart;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./mmpeft sweep}: the papers' component x rank grid as resumable runs, with the results table and scatter plot. */
@Command(
        name = "sweep",
        header = "Runs the papers' component x rank grid; writes the table and scatter plot.",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the papers' ablation: LoRA on each component set at each rank, full",
            "Q-Former fine-tuning and the zero-shot baseline, each in OUTPUT/cells/<setting>;",
            "writes sweep.md, runs.md/runs.csv (Table 1: accuracy and trainable parameters)",
            "and accuracy-vs-parameters.png (Figure 5). Run it again to resume: finished",
            "cells are skipped. Defaults: the embedded model on the synthetic shifted task.",
        })
public final class SweepCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--output", paramLabel = "DIR", defaultValue = "mmpeft-out/sweep", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--model", paramLabel = "DIR", description = "A Hugging Face InstructBLIP directory (default: the embedded default model).")
    Path model;

    @Option(names = "--data", paramLabel = "DIR", description = "A dataset folder (default: the synthetic shifted task, written to OUTPUT/data).")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "scienceqa", description = "Format of --data: scienceqa, iconqa or jsonl.")
    String format;

    @Option(names = "--components", paramLabel = "ROWS", description = "Component sets, one per row: ',' separates rows, '+' joins"
            + " components of a row (default: the papers' QFORMER_SELF_ATTN,QFORMER_CROSS_ATTN,QFORMER_FFN,QFORMER_ALL,"
            + "LLM_ATTN,LLM_FFN,LLM_ALL,QFORMER_ALL+LLM_ALL).")
    String components;

    @Option(names = "--ranks", paramLabel = "R1,R2", split = ",", description = "LoRA ranks (default 1,2,4,8).")
    List<Integer> ranks;

    @Option(names = "--no-full", description = "Leave out full Q-Former fine-tuning.")
    boolean noFull;

    @Option(names = "--no-zero-shot", description = "Leave out the zero-shot baseline.")
    boolean noZeroShot;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "5e-3", description = "LoRA learning rate (default ${DEFAULT-VALUE}; the papers used 5e-4 on 4B-7B models).")
    double lr;

    @Option(names = "--full-lr", paramLabel = "LR", defaultValue = "1e-3", description = "Full Q-Former learning rate (default ${DEFAULT-VALUE}; the papers used 2e-5).")
    double fullLr;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "15", description = "Maximum epochs per cell (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16", description = "Examples per step (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--patience", paramLabel = "N", defaultValue = "3", description = "Early-stopping patience (default ${DEFAULT-VALUE}; 0: off).")
    int patience;

    @Option(names = "--no-feature-cache", description = "Recompute the frozen vision encoder's features every step"
            + " instead of reusing them across epochs and cells from OUTPUT/feature-cache (same numbers, slower).")
    boolean noFeatureCache;

    @Mixin DeviceOption device;

    @Mixin PrecisionOption precision;

    @Override
    public Integer call() throws Exception {
        List<Device> devices = device.devices();
        ExecutionOptions execution = ExecutionOptions.builder().devices(devices).precision(precision.on(devices))
                .reuseFrozenFeatures(!noFeatureCache).build();
        java.io.PrintStream console = Consoles.of(spec.commandLine().getOut());
        Sweep.Grid papers = Sweep.Grid.papers();
        List<Set<Component>> rows = components == null ? papers.componentSets() : parseRows(components);
        Sweep.Grid grid = new Sweep.Grid(rows, ranks == null ? papers.ranks() : ranks, !noFull, !noZeroShot);
        FineTuning lora = Quickstart.Options.defaultSetting().withRecipe(lr, epochs, batchSize, patience);
        FineTuning full = FineTuning.fullQformer().withRecipe(fullLr, epochs, batchSize, patience);
        Path out = output.toAbsolutePath();
        TaskData task = Quickstart.taskData(Optional.ofNullable(data), CliArgs.format(format), out, console);
        Path modelDir = model != null ? model : DefaultModel.directory();
        Sweep.Result r = Sweep.run(modelDir, Quickstart.modelId(Optional.ofNullable(model)), task, grid, lora, full, out, console,
                execution);
        console.printf("sweep: %d cells (%d run now, %d done before); table %s, plot %s%n", r.cells().size(), r.ran(), r.skipped(),
                out.resolve("sweep.md"), out.resolve("accuracy-vs-parameters.png"));
        return 0;
    }

    static List<Set<Component>> parseRows(String text) {
        List<Set<Component>> rows = new ArrayList<>();
        for (String row : text.split(",")) {
            if (!row.isBlank()) {
                rows.add(FineTuning.parseComponents(row));
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("--components names no component");
        }
        return rows;
    }
}
