package dev.mmpeft.samples.cli;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.Device;
import dev.mmpeft.experiments.Ablation;
import dev.mmpeft.experiments.AdaptationMethod;
import dev.mmpeft.experiments.BaseModel;
import dev.mmpeft.experiments.ExecutionOptions;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.MethodOption;
import dev.mmpeft.experiments.PetalMethod;
import dev.mmpeft.experiments.StandardMethods;
import dev.mmpeft.experiments.Sweep;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.samples.quickstart.Quickstart;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./mmpeft sweep}: the papers' component x rank grid, or the empirical PEFT study
 * ({@code --methods}), as resumable runs, with the results table and the accuracy-vs-parameters plot.
 */
@Command(
        name = "sweep",
        header = "Runs the papers' component x rank grid, or the PEFT methods study; writes the table and plot.",
        mixinStandardHelpOptions = true,
        defaultValueProvider = RecipeDefaults.class,
        description = {
            "Runs the papers' ablation: LoRA on each component set at each rank, full",
            "Q-Former fine-tuning and the zero-shot baseline, each in OUTPUT/cells/<setting>;",
            "writes sweep.md, runs.md/runs.csv (Table 1: accuracy and trainable parameters)",
            "and accuracy-vs-parameters.png (Figure 5). Run it again to resume: finished",
            "cells are skipped. Defaults: the embedded model on the synthetic shifted task.",
            "With --methods lora,ia3,adapter,prefix [--connector frozen,tuned] it runs the",
            "empirical PEFT study instead: each method on the language model (its default",
            "size unless a size option says otherwise) with the connector frozen and/or tuned,",
            "plus zero-shot; writes methods.md/methods.csv (method x connector) and the plot",
            "with a series per method. Each method trains at its own learning rate unless --lr",
            "is given. --family llava|lavin runs it on the embedded LLaVA or LaVIN model",
            "(--methods lora,ia3,adapter,prefix --connector frozen,tuned: the study's table on",
            "a LLaVA-style model; mm-adapter is LaVIN's method).",
        })
public final class SweepCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--output", paramLabel = "DIR", defaultValue = "mmpeft-out/sweep", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--model", paramLabel = "DIR|embedded", defaultValue = "embedded",
            description = ModelOption.DESCRIPTION + " Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--family", paramLabel = "FAMILY", description = "Sweep the embedded model of a family instead of --model:"
            + " instructblip (the default model), llava or lavin.")
    String family;

    @Option(names = "--data", paramLabel = "DIR", description = "A dataset folder (default: the synthetic shifted task, written to OUTPUT/data).")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "scienceqa",
            description = "Format of --data: scienceqa, iconqa or jsonl (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--components", paramLabel = "ROWS", description = "Component sets, one per row: ',' separates rows, '+' joins"
            + " components of a row (default: the papers' QFORMER_SELF_ATTN,QFORMER_CROSS_ATTN,QFORMER_FFN,QFORMER_ALL,"
            + "LLM_ATTN,LLM_FFN,LLM_ALL,QFORMER_ALL+LLM_ALL).")
    String components;

    @Option(names = "--ranks", paramLabel = "R1,R2", split = ",", description = "LoRA ranks (default: the papers' 1,2,4,8).")
    List<Integer> ranks;

    @Option(names = "--no-full", description = "Leave out full Q-Former fine-tuning.")
    boolean noFull;

    @Option(names = "--no-zero-shot", description = "Leave out the zero-shot baseline.")
    boolean noZeroShot;

    @Option(names = "--methods", paramLabel = "M1,M2", description = "The PEFT study's methods: lora, dora, ia3, adapter, prefix,"
            + " adaption-prompt (LLaMA language models only); replaces the component x rank grid. lora,dma (or dma): PETAL's"
            + " comparison, every setting on the accuracy task and a captioning task.")
    String methods;

    @Mixin MethodOptions method = new MethodOptions();

    @Mixin RecipeOptions recipe;

    @Mixin TemplateOption template;

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

    @Option(names = "--no-feature-cache", description = "Recompute the frozen vision encoder's features every step"
            + " instead of reusing them across epochs and cells from OUTPUT/feature-cache (same numbers, slower).")
    boolean noFeatureCache;

    @Option(names = "--activation-checkpointing", description = "Keep only each transformer layer's input for the backward"
            + " pass and run the layer again there: less memory for activations, one more forward pass of those layers; with"
            + " dropout, other (equally random) masks than without it.")
    boolean activationCheckpointing;

    @Mixin DeviceOption device;

    @Mixin PrecisionOption precision;

    @Override
    public Integer call() throws Exception {
        List<Device> devices = device.devices();
        ExecutionOptions execution = ExecutionOptions.builder().devices(devices).precision(precision.on(devices))
                .reuseFrozenFeatures(!noFeatureCache).activationCheckpointing(activationCheckpointing).build();
        CommandLine cl = spec.commandLine();
        java.io.PrintStream console = Consoles.of(cl.getOut());
        if (ablation != null || methodNames().contains("dma")) {
            return ablation(cl, console, execution);
        }
        List<AdaptationMethod> study = studyMethods();
        List<FineTuning> settings = study.isEmpty() ? gridSettings(cl)
                : new Sweep.Study(study, method.connectors().isEmpty() ? List.of(false) : method.connectors(), !noZeroShot)
                        .settings(this::studySetting);
        String f = CliArgs.format(cl, format);
        String chosen = ModelOption.withFamily(cl, model, family);
        Path modelDir = ModelOption.directory(cl, chosen);
        Path out = output.toAbsolutePath();
        Optional<PromptTemplate> explicit = Optional.ofNullable(template.template).map(t -> TemplateOption.parse(cl, t, f));
        TaskData task = taskOptions.apply(Quickstart.withTemplate(Quickstart.taskData(Optional.ofNullable(data), f, out, console), modelDir,
                explicit), settings.isEmpty() ? 0 : settings.get(0).seed());
        Sweep.Result r;
        try (BaseModel base = BaseModel.load(modelDir, Quickstart.modelId(chosen), devices.isEmpty() ? Device.cpu() : devices.get(0))) {
            r = Sweep.run(base, task, settings, out, console, execution);
        }
        console.printf("sweep: %d cells (%d run now, %d done before); table %s, plot %s%n", r.cells().size(), r.ran(), r.skipped(),
                out.resolve(study.isEmpty() ? "sweep.md" : "methods.md"), out.resolve("accuracy-vs-parameters.png"));
        return 0;
    }

    /** The papers' component x rank grid as the flags narrow it. */
    private List<FineTuning> gridSettings(CommandLine cl) {
        method.check(List.of(StandardMethods.LORA), Set.of());
        if (!method.connectors().isEmpty()) {
            throw new CommandLine.ParameterException(cl, "--connector needs --methods (the component x rank grid keeps the"
                    + " connector frozen)");
        }
        Sweep.Grid papers = Sweep.Grid.papers();
        List<Set<Component>> rows = components == null ? papers.componentSets() : parseRows(cl, components);
        List<Integer> chosenRanks = ranks == null ? papers.ranks() : ranks;
        for (int r : chosenRanks) {
            if (r < 1) {
                throw new CommandLine.ParameterException(cl, "--ranks must be >= 1, got " + r);
            }
        }
        Sweep.Grid grid = new Sweep.Grid(rows, chosenRanks, !noFull, !noZeroShot);
        FineTuning lora = recipe.apply(Quickstart.Options.defaultSetting(), false);
        FineTuning full = recipe.apply(Quickstart.Options.defaultFullSetting(), true);
        List<FineTuning> settings = new ArrayList<>();
        for (FineTuning s : grid.settings(lora, full)) {
            // a fixed --alpha stays fixed at every rank; "4r" keeps its ratio (what settings() does)
            boolean loraCell = s.method() == StandardMethods.LORA;
            settings.add(loraCell && !recipe.alphaPerRank() ? s.withAlpha(recipe.alphaAt(s.rank())) : s);
        }
        return settings;
    }

    /** The methods of {@code --methods} (or {@code --method}), checked against the other flags; empty for the grid. */
    private List<AdaptationMethod> studyMethods() {
        if (methods != null && method.method != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --methods or --method, not both");
        }
        List<AdaptationMethod> study = methods != null ? method.parseMethods(methods, "--methods")
                : method.method().map(List::of).orElse(List.of());
        if (study.isEmpty()) {
            return study;
        }
        if (components != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--components picks the rows of the component x rank grid; with --methods"
                    + " each method takes its default targets");
        }
        if (ranks != null && study.stream().noneMatch(m -> m.options().contains(MethodOption.RANK))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--ranks does not apply to --methods " + study.stream()
                    .map(MethodOptions::cliName).collect(java.util.stream.Collectors.joining(",")) + " (it is an option of: "
                    + MethodOption.RANK.takenBy() + ")");
        }
        if (ranks != null && ranks.size() != 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "with --methods, --ranks gives LoRA's one rank, got " + ranks);
        }
        method.check(study, Set.of());
        return study;
    }

    /** The names {@code --methods} lists, lower-cased (none when it is not given). */
    private List<String> methodNames() {
        return methods == null ? List.of() : List.of(methods.toLowerCase(java.util.Locale.ROOT).strip().split("\\s*,\\s*"));
    }

    /** A method's cell: the embedded default's setting of the method, with the flags' sizes and recipe. */
    private FineTuning studySetting(AdaptationMethod m) {
        FineTuning.Builder b = method.apply(Quickstart.studySetting(m).toBuilder(), m);
        if (ranks != null && m.options().contains(MethodOption.RANK)) {
            FineTuning base = Quickstart.studySetting(m);
            b.rank(ranks.get(0)).alpha(base.alpha() / base.rank() * ranks.get(0));
        }
        FineTuning s = recipe.apply(b.build(), false);
        // each method keeps its own learning rate unless --lr names one for all
        return recipe.given("--lr") ? s : s.toBuilder().learningRate(Quickstart.studySetting(m).learningRate()).build();
    }

    /** LoRA (the --components x --ranks rows, default the quickstart's setting) and PETAL's variants on the two tasks. */
    private int ablation(CommandLine cl, java.io.PrintStream console, ExecutionOptions execution) throws java.io.IOException {
        List<String> named = methods == null ? List.of("dma") : methodNames();
        for (String m : named) {
            if (!m.equals("lora") && !m.equals("dma")) {
                throw new CommandLine.ParameterException(cl, "--methods: PETAL's comparison (dma, --ablation) runs lora and dma only, got '"
                        + m + "'");
            }
        }
        boolean withLora = named.contains("lora");
        Path out = output.toAbsolutePath();
        List<FineTuning> settings = new java.util.ArrayList<>();
        FineTuning base = recipe.apply(Quickstart.Options.defaultSetting(), false);
        if (withLora) {
            List<Set<Component>> rows = components == null ? List.of(base.components()) : parseRows(cl, components);
            for (Set<Component> row : rows) {
                for (int r : ranks == null ? List.of(base.rank()) : ranks) {
                    settings.add(base.toBuilder().components(java.util.EnumSet.copyOf(row)).rank(r).alpha(4.0 * r).build());
                }
            }
        }
        Set<String> parts = new java.util.LinkedHashSet<>(ablation == null ? List.of() : ablation);
        PetalMethod petal = parts.isEmpty() ? PetalMethod.dmaOnly() : PetalMethod.full();
        FineTuning dma = FineTuning.dma(petal).toBuilder().rank(dmaRank).build().withRecipe(dmaLr, base.epochs(), base.batchSize(), base.patience());
        settings.addAll(parts.isEmpty() ? List.of(dma) : Ablation.petalVariants(parts, dma));
        String f = CliArgs.format(cl, format);
        Path modelDir = ModelOption.directory(cl, model);
        Optional<PromptTemplate> explicit = Optional.ofNullable(template.template).map(t -> TemplateOption.parse(cl, t, f));
        TaskData qa = taskOptions.apply(Quickstart.withTemplate(Quickstart.taskData(Optional.ofNullable(data), f, out, console), modelDir,
                explicit), base.seed());
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
            captions = Optional.of(taskOptions.apply(TaskData.of(captionData == null ? "flickr30k" : CliArgs.format(cl, captionFormat),
                    capDir), base.seed()));
        }
        String id = Quickstart.modelId(model);
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

    static List<Set<Component>> parseRows(CommandLine cl, String text) {
        List<Set<Component>> rows = new ArrayList<>();
        for (String row : text.split(",")) {
            if (!row.isBlank()) {
                try {
                    rows.add(FineTuning.parseComponents(row));
                } catch (IllegalArgumentException | dev.mmpeft.experiments.ExperimentException e) {
                    throw new CommandLine.ParameterException(cl, "--components: " + e.getMessage());
                }
            }
        }
        if (rows.isEmpty()) {
            throw new CommandLine.ParameterException(cl, "--components names no component");
        }
        return rows;
    }
}
