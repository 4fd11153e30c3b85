package dev.mmpeft.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.io.OutputLock;
import dev.mmpeft.eval.report.ResultsTable;
import dev.mmpeft.eval.report.RunSummary;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.plots.EvaluationCharts;
import dev.mmpeft.plots.ScatterPoint;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The papers' ablation as one call: LoRA on each component set at each rank, plus full Q-Former
 * fine-tuning and the zero-shot baseline, each an independent {@link Experiment} in its own folder
 * ({@code cells/<setting>}), summarised as the papers' Table 1 (accuracy and trainable parameters,
 * component x rank) and Figure 5 (accuracy against trainable parameters). The empirical PEFT
 * study ({@link Study}: LoRA, IA3, bottleneck adapters, prefix tuning, with the connector frozen and
 * tuned) runs the same way and is summarised as a method x connector table ({@code methods.md},
 * {@code methods.csv}) and the same chart with a series (and marker) per method.
 *
 * <pre>{@code
 * Sweep.Result r = Sweep.run(modelDir, "my-model", TaskData.of("scienceqa", data),
 *         new Sweep.Grid(List.of(EnumSet.of(QFORMER_CROSS_ATTN)), List.of(1, 2), false, true),
 *         FineTuning.lora(EnumSet.of(QFORMER_CROSS_ATTN), 1), FineTuning.fullQformer(), out, System.out);
 * Sweep.run(modelDir, "my-model", data, Sweep.Study.peftStudy(), FineTuning::study, out, System.out);
 * }</pre>
 *
 * <p>A cell whose {@code summary.json} exists is finished and is skipped, and a cell that was
 * interrupted continues its training from its last epoch checkpoint, so an interrupted sweep is
 * resumed by running it again; the tables are rewritten after every cell. Any list of settings
 * (of any {@link AdaptationMethod}) can be swept the same way.
 */
public final class Sweep {
    /** The folder of the cells below the sweep's output folder. */
    public static final String CELLS = "cells";

    private Sweep() {}

    /**
     * Which cells to run.
     *
     * @param componentSets LoRA target sets (each a row of the table)
     * @param ranks LoRA ranks (the columns)
     * @param fullQformer also fine-tune the Q-Former in full
     * @param zeroShot also evaluate the untrained model
     */
    public record Grid(List<Set<Component>> componentSets, List<Integer> ranks, boolean fullQformer, boolean zeroShot) {
        public Grid {
            componentSets = componentSets.stream().map(s -> Set.copyOf(EnumSet.copyOf(s))).toList();
            ranks = List.copyOf(ranks);
            if (componentSets.isEmpty() && !fullQformer && !zeroShot) {
                throw new ExperimentException("the grid has no cell (no component set, no full Q-Former, no zero-shot)");
            }
            if (!componentSets.isEmpty() && ranks.isEmpty()) {
                throw new ExperimentException("the grid has component sets but no rank");
            }
        }

        /**
         * The papers' grid: QFORMER_SELF_ATTN, QFORMER_CROSS_ATTN, QFORMER_FFN, QFORMER_ALL, LLM_ATTN,
         * LLM_FFN, LLM_ALL and QFORMER_ALL + LLM_ALL at ranks 1, 2, 4, 8, with full Q-Former
         * fine-tuning and zero-shot.
         */
        public static Grid papers() {
            List<Set<Component>> sets = List.of(
                    EnumSet.of(Component.QFORMER_SELF_ATTN), EnumSet.of(Component.QFORMER_CROSS_ATTN),
                    EnumSet.of(Component.QFORMER_FFN), EnumSet.of(Component.QFORMER_ALL), EnumSet.of(Component.LLM_ATTN),
                    EnumSet.of(Component.LLM_FFN), EnumSet.of(Component.LLM_ALL),
                    EnumSet.of(Component.QFORMER_ALL, Component.LLM_ALL));
            return new Grid(sets, List.of(1, 2, 4, 8), true, true);
        }

        /**
         * Every setting of the grid, in run order: zero-shot, full Q-Former, then row by row. Every
         * LoRA cell takes {@code loraRecipe}'s values, with its alpha / rank ratio kept at each rank.
         */
        public List<FineTuning> settings(FineTuning loraRecipe, FineTuning fullRecipe) {
            List<FineTuning> out = new ArrayList<>();
            if (zeroShot) {
                out.add(FineTuning.zeroShot());
            }
            if (fullQformer) {
                out.add(fullRecipe);
            }
            for (Set<Component> set : componentSets) {
                for (int r : ranks) {
                    out.add(loraRecipe.toBuilder().method(StandardMethods.LORA).components(EnumSet.copyOf(set)).rank(r)
                            .alpha(loraRecipe.alpha() / loraRecipe.rank() * r).build());
                }
            }
            return out;
        }
    }

    /**
     * The empirical PEFT study's comparison: each method (on its default targets, the language model)
     * with the connector frozen and/or tuned, and the zero-shot baseline.
     *
     * @param methods the methods, in table order
     * @param connectors {@code false} for the connector frozen, {@code true} for tuned (the columns)
     * @param zeroShot also evaluate the untrained model (the baseline the gains are measured from)
     */
    public record Study(List<AdaptationMethod> methods, List<Boolean> connectors, boolean zeroShot) {
        public Study {
            methods = List.copyOf(methods);
            connectors = List.copyOf(new java.util.LinkedHashSet<>(connectors));
            if (methods.isEmpty() || connectors.isEmpty()) {
                throw new ExperimentException("the study needs at least one method and one connector setting, got "
                        + methods.size() + " methods and " + connectors.size() + " connector settings");
            }
            for (AdaptationMethod m : methods) {
                if (!m.trains()) {
                    throw new ExperimentException("the study compares methods that train; " + m.name() + " trains nothing"
                            + (zeroShot ? "" : " (keep the zero-shot baseline instead)"));
                }
            }
        }

        /** The study: LoRA, IA3, bottleneck adapters and prefix tuning, connector frozen and tuned, with zero-shot. */
        public static Study peftStudy() {
            return new Study(List.of(StandardMethods.LORA, StandardMethods.IA3, StandardMethods.ADAPTER, StandardMethods.PREFIX),
                    List.of(false, true), true);
        }

        /**
         * Every setting, in run order: zero-shot, then each method with each connector setting.
         *
         * @param recipe a method's setting (targets, size, learning rate); its connector is set here
         */
        public List<FineTuning> settings(java.util.function.Function<AdaptationMethod, FineTuning> recipe) {
            List<FineTuning> out = new ArrayList<>();
            if (zeroShot) {
                out.add(FineTuning.zeroShot());
            }
            for (AdaptationMethod m : methods) {
                FineTuning s = recipe.apply(m);
                if (s.method() != m) {
                    throw new ExperimentException("the recipe of " + m.name() + " gave a setting of " + s.method().name());
                }
                for (boolean tuned : connectors) {
                    out.add(s.withConnectorTuned(tuned));
                }
            }
            return out;
        }
    }

    /**
     * One finished cell as the tables show it.
     *
     * @param rank the method's size ({@link AdaptationMethod#size}), 0 when it has none
     * @param method the method's name ({@code LORA})
     * @param methodName the method as tables of methods call it ({@code LoRA})
     * @param size the size as those tables write it ({@code r=2}, {@code s=8}; may be empty)
     * @param connectorTuned whether the connector trained in full beside the method
     */
    public record Cell(String setting, String component, int rank, long trainableParameters, double accuracy, String method,
            String methodName, String size, boolean connectorTuned) {
        /** The row of a table of methods: {@code LoRA r=2 (LLM_ALL)}. */
        public String methodRow() {
            return methodName + (size.isEmpty() ? "" : " " + size) + " (" + component + ")";
        }

        /** Whether the papers' component x rank table shows it: LoRA, full fine-tuning or a custom method, connector frozen. */
        boolean inRankTable() {
            return trainableParameters > 0 && !connectorTuned && !STUDY_METHODS.contains(method);
        }
    }

    /** Methods whose size is no LoRA rank: their cells go to the table of methods only. */
    private static final Set<String> STUDY_METHODS = Set.of(StandardMethods.DORA.name(), StandardMethods.IA3.name(),
            StandardMethods.ADAPTER.name(), StandardMethods.PREFIX.name(), StandardMethods.ADAPTION_PROMPT.name());

    /** The sweep's results: one entry per finished cell, in run order. */
    public record Result(List<Cell> cells, int ran, int skipped, Path directory) {}

    /** The feature cache folder shared by the cells, inside the sweep's folder. */
    public static final String FEATURE_CACHE = "feature-cache";

    /**
     * Runs (or resumes) a grid on the Hugging Face model directory {@code modelDir} (InstructBLIP, LLaVA or LaVIN).
     *
     * @param loraRecipe the recipe of every LoRA cell (its alpha / rank ratio is kept at every rank)
     * @param fullRecipe the full Q-Former cell's recipe
     */
    public static Result run(Path modelDir, String modelId, TaskData data, Grid grid, FineTuning loraRecipe,
            FineTuning fullRecipe, Path out, PrintStream console) throws IOException {
        return run(modelDir, modelId, data, grid, loraRecipe, fullRecipe, out, console, ExecutionOptions.defaults());
    }

    /**
     * As {@link #run(Path, String, TaskData, Grid, FineTuning, FineTuning, Path, PrintStream)}, with the
     * model loaded on the first of {@code execution}'s devices (the CPU when it names none) and every
     * cell trained as it says.
     */
    public static Result run(Path modelDir, String modelId, TaskData data, Grid grid, FineTuning loraRecipe,
            FineTuning fullRecipe, Path out, PrintStream console, ExecutionOptions execution) throws IOException {
        Device device = execution.devices().isEmpty() ? Device.cpu() : execution.devices().get(0);
        try (BaseModel base = BaseModel.load(modelDir, modelId, device)) {
            return run(base, data, grid.settings(loraRecipe, fullRecipe), out, console, execution);
        }
    }

    /**
     * Runs (or resumes) {@code settings}, in order, on a loaded model (left untouched and open).
     *
     * @throws dev.mmpeft.core.io.OutputInUseException when another run writes into {@code out}
     */
    public static Result run(InstructBlip model, InstructBlipProcessor processor, String modelId, TaskData data,
            List<FineTuning> settings, Path out, PrintStream console) throws IOException {
        return run(model, processor, modelId, data, settings, out, console, ExecutionOptions.defaults());
    }

    /**
     * As {@link #run(InstructBlip, InstructBlipProcessor, String, TaskData, List, Path, PrintStream)}, trained as
     * {@code execution} says.
     *
     * @throws dev.mmpeft.core.io.OutputInUseException when another run writes into {@code out}
     */
    public static Result run(InstructBlip model, InstructBlipProcessor processor, String modelId, TaskData data,
            List<FineTuning> settings, Path out, PrintStream console, ExecutionOptions execution) throws IOException {
        return run(BaseModel.of(model, processor, modelId), data, settings, out, console, execution);
    }

    /**
     * Runs (or resumes) {@code settings}, in order, on a loaded base model of any family (left
     * untouched and open), trained as {@code execution} says.
     *
     * @throws dev.mmpeft.core.io.OutputInUseException when another run writes into {@code out}
     */
    public static Result run(BaseModel base, TaskData data, List<FineTuning> settings, Path out, PrintStream console,
            ExecutionOptions execution) throws IOException {
        // every cell's adapter is planned on the model first (shapes only), so a method the model cannot
        // take (adaption prompts on a T5, a target that matches nothing) fails before any cell trains
        for (FineTuning s : settings) {
            s.method().peftBuilder(s).ifPresent(b -> Peft.report(b.build(), base.adaptable()));
        }
        try (OutputLock lock = OutputLock.acquire(out)) {
            return runLocked(base, data, settings, out, console, execution);
        }
    }

    private static Result runLocked(BaseModel base, TaskData data, List<FineTuning> settings, Path out, PrintStream console,
            ExecutionOptions execution) throws IOException {
        String modelId = base.modelId();
        if (execution.featureCacheDir().isEmpty()) {
            // every cell shares the base model and the images: one cache serves them all
            execution = ExecutionOptions.builder().from(execution).featureCacheDir(out.resolve(FEATURE_CACHE)).build();
        }
        List<Cell> cells = new ArrayList<>();
        int ran = 0;
        int skipped = 0;
        for (int i = 0; i < settings.size(); i++) {
            FineTuning s = settings.get(i);
            Path cell = out.resolve(CELLS).resolve(s.slug());
            Path summary = cell.resolve(Experiment.SUMMARY);
            if (Files.isRegularFile(summary)) {
                console.printf(Locale.ROOT, "[%d/%d] %s: done before, skipping%n", i + 1, settings.size(), s.slug());
                skipped++;
            } else {
                console.printf(Locale.ROOT, "[%d/%d] %s ...%n", i + 1, settings.size(), s.slug());
                Experiment.run(base, data, s, cell, false, true, console, execution);
                ran++;
            }
            cells.add(cellOf(summary));
            writeTables(cells, out, modelId, data);
        }
        return new Result(List.copyOf(cells), ran, skipped, out);
    }

    /**
     * Runs (or resumes) a study on the Hugging Face model directory {@code modelDir} (InstructBLIP, LLaVA or LaVIN).
     *
     * @param recipe each method's setting (targets, size, learning rate; {@link FineTuning#study} is the default)
     */
    public static Result run(Path modelDir, String modelId, TaskData data, Study study,
            java.util.function.Function<AdaptationMethod, FineTuning> recipe, Path out, PrintStream console) throws IOException {
        return run(modelDir, modelId, data, study, recipe, out, console, ExecutionOptions.defaults());
    }

    /**
     * As {@link #run(Path, String, TaskData, Study, java.util.function.Function, Path, PrintStream)}, with the
     * model loaded on the first of {@code execution}'s devices (the CPU when it names none) and every cell trained as it says.
     */
    public static Result run(Path modelDir, String modelId, TaskData data, Study study,
            java.util.function.Function<AdaptationMethod, FineTuning> recipe, Path out, PrintStream console,
            ExecutionOptions execution) throws IOException {
        List<FineTuning> settings = study.settings(recipe);
        Device device = execution.devices().isEmpty() ? Device.cpu() : execution.devices().get(0);
        try (BaseModel base = BaseModel.load(modelDir, modelId, device)) {
            return run(base, data, settings, out, console, execution);
        }
    }

    /** A finished cell's {@code summary.json} as a table entry (summaries written before the study fields read as LoRA-style cells). */
    public static Cell cellOf(Path summaryFile) {
        return cellOf(Json.read(summaryFile));
    }

    /** A finished cell's parsed {@code summary.json} as a table entry (for summaries read from elsewhere, e.g. a Hadoop filesystem). */
    public static Cell cellOf(JsonNode n) {
        int rank = n.get("rank").asInt();
        String method = n.get("method").asText();
        return new Cell(n.get("setting").asText(), n.get("components").asText(), rank, n.get("trainable_parameters").asLong(),
                n.get("accuracy").asDouble(), method, n.path("method_name").asText(method),
                n.path("size").asText(rank == 0 ? "" : "r=" + rank), n.path("connector").asText("frozen").equals("tuned"));
    }

    /**
     * Writes the sweep's tables and plot for {@code cells} (in run order) into {@code out}: {@code sweep.md},
     * {@code runs.md}/{@code runs.csv}, for a study {@code methods.md}/{@code methods.csv}, and
     * {@code accuracy-vs-parameters.png}. Public so that other runners of the same cells (sdk-spark)
     * produce exactly the same files.
     */
    public static void writeTables(List<Cell> cells, Path out, String modelId, TaskData data) throws IOException {
        // the papers' table (component x rank) holds the LoRA-style cells, the table of methods every
        // trained cell; the zero-shot baseline trains nothing, so it is a line of its own
        List<RunSummary> ranked = cells.stream().filter(Cell::inRankTable)
                .map(c -> RunSummary.of(c.component(), c.rank(), c.trainableParameters(), c.accuracy())).toList();
        List<Cell> trained = cells.stream().filter(c -> c.trainableParameters() > 0).toList();
        boolean study = trained.stream().anyMatch(c -> !c.inRankTable());
        StringBuilder sb = new StringBuilder("# Sweep: ").append(modelId).append(" on ").append(data.format())
                .append(" (`").append(data.root()).append("`)\n\n");
        for (Cell c : cells) {
            if (c.trainableParameters() == 0) {
                sb.append(String.format(Locale.ROOT, "- %s baseline: %.2f%%%n", c.setting(), c.accuracy()));
            }
        }
        String title = "Accuracy vs trainable parameters: " + modelId;
        if (study) {
            sb.append("\n## Accuracy (%) and trainable parameters, method x connector\n\n").append(MethodTable.markdown(cells));
            MethodTable.writeAll(cells, out, "PEFT methods: " + modelId + " on " + data.format());
        }
        if (!ranked.isEmpty()) {
            sb.append("\n## Accuracy (%) and trainable parameters, component x rank\n\n").append(ResultsTable.markdown(ranked));
            ResultsTable.writeAll(ranked, out, title);
        }
        if (study) {
            EvaluationCharts.writeAccuracyVsParameters(title, trained.stream().map(c -> new ScatterPoint(c.methodName(),
                    (c.size() + (c.connectorTuned() ? " tuned" : " frozen")).strip(), c.trainableParameters(), c.accuracy())).toList(), out);
        } else if (!ranked.isEmpty()) {
            EvaluationCharts.writeAccuracyVsParameters(ranked, out, title);
        }
        sb.append("\n![accuracy vs trainable parameters](" + EvaluationCharts.SCATTER_PNG + ")\n\nCells: `" + CELLS
                + "/<setting>/` (each a full run: reports, adapter, training metrics).\n");
        AtomicFiles.writeString(out.resolve("sweep.md"), sb.toString());
    }
}
