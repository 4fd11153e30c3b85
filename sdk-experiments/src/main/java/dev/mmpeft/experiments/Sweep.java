package dev.mmpeft.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.eval.report.ResultsTable;
import dev.mmpeft.eval.report.RunSummary;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.plots.EvaluationCharts;
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
 * component x rank) and Figure 5 (accuracy against trainable parameters).
 *
 * <pre>{@code
 * Sweep.Result r = Sweep.run(modelDir, "my-model", TaskData.of("scienceqa", data),
 *         new Sweep.Grid(List.of(EnumSet.of(QFORMER_CROSS_ATTN)), List.of(1, 2), false, true),
 *         FineTuning.lora(EnumSet.of(QFORMER_CROSS_ATTN), 1), FineTuning.fullQformer(), out, System.out);
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

    /** One finished cell as the tables show it (rank: the method's size, 0 when it has none). */
    public record Cell(String setting, String component, int rank, long trainableParameters, double accuracy) {}

    /** The sweep's results: one entry per finished cell, in run order. */
    public record Result(List<Cell> cells, int ran, int skipped, Path directory) {}

    /** The feature cache folder shared by the cells, inside the sweep's folder. */
    public static final String FEATURE_CACHE = "feature-cache";

    /**
     * Runs (or resumes) a grid on the Hugging Face InstructBLIP directory {@code modelDir}.
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
        try (InstructBlip model = InstructBlip.load(modelDir, device);
                InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, model.config())) {
            return run(model, processor, modelId, data, grid.settings(loraRecipe, fullRecipe), out, console, execution);
        }
    }

    /** Runs (or resumes) {@code settings}, in order, on a loaded model (left untouched and open). */
    public static Result run(InstructBlip model, InstructBlipProcessor processor, String modelId, TaskData data,
            List<FineTuning> settings, Path out, PrintStream console) throws IOException {
        return run(model, processor, modelId, data, settings, out, console, ExecutionOptions.defaults());
    }

    /** As {@link #run(InstructBlip, InstructBlipProcessor, String, TaskData, List, Path, PrintStream)}, trained as {@code execution} says. */
    public static Result run(InstructBlip model, InstructBlipProcessor processor, String modelId, TaskData data,
            List<FineTuning> settings, Path out, PrintStream console, ExecutionOptions execution) throws IOException {
        Files.createDirectories(out);
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
                Experiment.run(model, processor, modelId, data, s, cell, false, true, console, execution);
                ran++;
            }
            cells.add(cellOf(summary));
            writeTables(cells, out, modelId, data);
        }
        return new Result(List.copyOf(cells), ran, skipped, out);
    }

    /** A finished cell's {@code summary.json} as a table entry. */
    public static Cell cellOf(Path summaryFile) {
        JsonNode n = Json.read(summaryFile);
        return new Cell(n.get("setting").asText(), n.get("components").asText(), n.get("rank").asInt(),
                n.get("trainable_parameters").asLong(), n.get("accuracy").asDouble());
    }

    private static void writeTables(List<Cell> cells, Path out, String modelId, TaskData data) throws IOException {
        // every trained cell goes into the table and the scatter (full fine-tuning as rank "full");
        // the zero-shot baseline trains nothing, so it is a line of its own
        List<RunSummary> trained = cells.stream().filter(c -> c.trainableParameters() > 0)
                .map(c -> RunSummary.of(c.component(), c.rank(), c.trainableParameters(), c.accuracy())).toList();
        StringBuilder sb = new StringBuilder("# Sweep: ").append(modelId).append(" on ").append(data.format())
                .append(" (`").append(data.root()).append("`)\n\n");
        for (Cell c : cells) {
            if (c.trainableParameters() == 0) {
                sb.append(String.format(Locale.ROOT, "- %s baseline: %.2f%%%n", c.setting(), c.accuracy()));
            }
        }
        if (!trained.isEmpty()) {
            String title = "Accuracy vs trainable parameters: " + modelId;
            sb.append("\n## Accuracy (%) and trainable parameters, component x rank\n\n").append(ResultsTable.markdown(trained));
            ResultsTable.writeAll(trained, out, title);
            EvaluationCharts.writeAccuracyVsParameters(trained, out, title);
        }
        sb.append("\n![accuracy vs trainable parameters](" + EvaluationCharts.SCATTER_PNG + ")\n\nCells: `" + CELLS
                + "/<setting>/` (each a full run: reports, adapter, training metrics).\n");
        AtomicFiles.writeString(out.resolve("sweep.md"), sb.toString());
    }
}
