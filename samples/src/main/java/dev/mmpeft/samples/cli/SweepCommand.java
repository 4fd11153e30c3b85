package dev.mmpeft.samples.cli;

import dev.mmpeft.core.Component;
import dev.mmpeft.experiments.Ablation;
import dev.mmpeft.core.Device;
import dev.mmpeft.experiments.ExecutionOptions;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.PetalMethod;
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

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "scienceqa", description = "Format of --data (default"
            + " ${DEFAULT-VALUE}; any installed format: iconqa, jsonl, okvqa, aokvqa, textvqa, ...).")
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

    @Option(names = "--methods", paramLabel = "M1,M2", split = ",", description = "lora (the component x rank grid), dma"
            + " (PETAL), or both (default lora). With dma, every setting runs on the accuracy task and a captioning task.")
    List<String> methods;

    @Option(names = "--ablation", paramLabel = "P1,P2", split = ",", description = "PETAL's parts to ablate (dma, aim, sib):"
            + " PETAL with all on, each one off, and DMA alone (Table 4); implies --methods dma.")
    List<String> ablation;

    @Option(names = "--dma-rank", paramLabel = "R", defaultValue = "16", description = "PETAL's rank R (default ${DEFAULT-VALUE}"
            + " for the embedded 48-wide Q-Former; PETAL used 64 on the 768-wide one).")
    int dmaRank;

    @Option(names = "--dma-lr", paramLabel = "LR", defaultValue = "1e-2", description = "PETAL's learning rate (default ${DEFAULT-VALUE}).")
    double dmaLr;

    @Option(names = "--caption-data", paramLabel = "DIR", description = "The captioning task of a PETAL run (default: a synthetic"
            + " Flickr30K-layout task written to OUTPUT/captions-data).")
    Path captionData;

    @Option(names = "--caption-format", paramLabel = "FORMAT", defaultValue = "flickr30k", description = "Format of"
            + " --caption-data: flickr30k or textcaps (default ${DEFAULT-VALUE}).")
    String captionFormat;

    @Option(names = "--no-captions", description = "PETAL runs: leave out the captioning task.")
    boolean noCaptions;

    @picocli.CommandLine.Mixin TaskOptions taskOptions = new TaskOptions();
    @Mixin DeviceOption device;

    @Mixin PrecisionOption precision;

    @Override
    public Integer call() throws Exception {
        List<Device> devices = device.devices();
        ExecutionOptions execution = ExecutionOptions.builder().devices(devices).precision(precision.on(devices)).build();
        java.io.PrintStream console = Consoles.of(spec.commandLine().getOut());
        Set<String> chosen = new java.util.LinkedHashSet<>(methods == null ? List.of("lora") : methods);
        if (ablation != null) {
            chosen.add("dma");
        }
        for (String m : chosen) {
            if (!m.equals("lora") && !m.equals("dma")) {
                throw new IllegalArgumentException("invalid --methods entry '" + m + "' (expected lora or dma)");
            }
        }
        if (chosen.contains("dma")) {
            return ablation(chosen.contains("lora"), console, execution);
        }
        Sweep.Grid papers = Sweep.Grid.papers();
        List<Set<Component>> rows = components == null ? papers.componentSets() : parseRows(components);
        Sweep.Grid grid = new Sweep.Grid(rows, ranks == null ? papers.ranks() : ranks, !noFull, !noZeroShot);
        FineTuning lora = Quickstart.Options.defaultSetting().withRecipe(lr, epochs, batchSize, patience);
        FineTuning full = FineTuning.fullQformer().withRecipe(fullLr, epochs, batchSize, patience);
        Path out = output.toAbsolutePath();
        TaskData task = taskOptions.apply(Quickstart.taskData(Optional.ofNullable(data), CliArgs.format(format), out, console), lora.seed());
        Path modelDir = model != null ? model : DefaultModel.directory();
        Sweep.Result r = Sweep.run(modelDir, Quickstart.modelId(Optional.ofNullable(model)), task, grid, lora, full, out, console,
                execution);
        console.printf("sweep: %d cells (%d run now, %d done before); table %s, plot %s%n", r.cells().size(), r.ran(), r.skipped(),
                out.resolve("sweep.md"), out.resolve("accuracy-vs-parameters.png"));
        return 0;
    }

    /** LoRA (the --components x --ranks rows, default the quickstart's setting) and PETAL's variants on the two tasks. */
    private int ablation(boolean withLora, java.io.PrintStream console, ExecutionOptions execution) throws java.io.IOException {
        Path out = output.toAbsolutePath();
        List<FineTuning> settings = new java.util.ArrayList<>();
        FineTuning base = Quickstart.Options.defaultSetting().withRecipe(lr, epochs, batchSize, patience);
        if (withLora) {
            List<Set<Component>> rows = components == null ? List.of(base.components()) : parseRows(components);
            for (Set<Component> row : rows) {
                for (int r : ranks == null ? List.of(base.rank()) : ranks) {
                    settings.add(base.toBuilder().components(java.util.EnumSet.copyOf(row)).rank(r).alpha(4.0 * r).build());
                }
            }
        }
        Set<String> parts = new java.util.LinkedHashSet<>(ablation == null ? List.of() : ablation);
        PetalMethod petal = parts.isEmpty() ? PetalMethod.dmaOnly() : PetalMethod.full();
        FineTuning dma = FineTuning.dma(petal).toBuilder().rank(dmaRank).build().withRecipe(dmaLr, epochs, batchSize, patience);
        settings.addAll(parts.isEmpty() ? List.of(dma) : Ablation.petalVariants(parts, dma));
        TaskData qa = taskOptions.apply(Quickstart.taskData(Optional.ofNullable(data), CliArgs.format(format), out, console), base.seed());
        Optional<TaskData> captions = Optional.empty();
        if (!noCaptions) {
            Path capDir = captionData;
            if (capDir == null) {
                capDir = out.resolve("captions-data");
                if (!java.nio.file.Files.isRegularFile(capDir.resolve("dataset_flickr30k.json"))) {
                    console.println("writing the synthetic captioning task (Flickr30K layout) to " + capDir + " ...");
                    dev.mmpeft.datasets.synthetic.SyntheticDataset.builder().seed(2027).train(64).val(16).test(24).imageSize(56)
                            .build().writeFlickr30k(capDir, true);
                }
            }
            captions = Optional.of(taskOptions.apply(TaskData.of(captionData == null ? "flickr30k" : CliArgs.format(captionFormat),
                    capDir), base.seed()));
        }
        Path modelDir = model != null ? model : DefaultModel.directory();
        String id = Quickstart.modelId(Optional.ofNullable(model));
        try (dev.mmpeft.models.instructblip.InstructBlip m = dev.mmpeft.models.instructblip.InstructBlip.load(modelDir,
                execution.devices().isEmpty() ? Device.cpu() : execution.devices().get(0));
                dev.mmpeft.models.processing.InstructBlipProcessor p =
                        dev.mmpeft.models.processing.InstructBlipProcessor.load(modelDir, m.config())) {
            Ablation.Result r = Ablation.run(m, p, id, qa, captions, settings, out, console, execution);
            console.printf("ablation: %d settings; table %s, plot %s%n", r.rows().size(), out.resolve("ablation.md"),
                    out.resolve(dev.mmpeft.plots.EvaluationCharts.ABLATION_PNG));
        }
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
