package dev.mmpeft.spark;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.prompt.PromptTemplates;
import dev.mmpeft.experiments.Experiment;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.Sweep;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.spark.internal.CellSpec;
import dev.mmpeft.spark.internal.CellTask;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The papers' sweep as one Spark job: every grid cell is one task that trains and evaluates its
 * setting ({@link Experiment#run}) on an executor whose JVM loads the base model once for all its
 * tasks, and the driver then writes the same tables and plot as {@code ./mmpeft sweep}
 * ({@link Sweep#writeTables}). Why Spark: the grid is 64+ independent fine-tuning runs, and a cluster
 * runs them side by side.
 *
 * <pre>{@code
 * SparkSweep.Result r = SparkSweep.run(spark, modelDir, "my-model", TaskData.of("scienceqa", data),
 *         grid.settings(loraRecipe, fullRecipe), "hdfs:///sweeps/sqa", System.out);
 * }</pre>
 *
 * <p>Output: {@code cells/<setting>-<key>/} (each a complete {@link Experiment} folder plus its
 * {@code cell.log}, published atomically by the executor), {@code cells.csv} (setting, key, folder),
 * and {@code sweep.md}, {@code runs.md}, {@code runs.csv}, {@code accuracy-vs-parameters.png}. The key
 * is a hash of the setting, model and dataset: a rerun skips every finished cell, a failed task is
 * retried by Spark ({@code spark.task.maxFailures}) without touching finished ones, and a cell whose
 * job failed for good runs again on the next run. Model and dataset paths must be the same on every
 * executor; training takes one cell at a time per executor JVM (see {@code ExecutorModels}), so give
 * executors one core each ({@code spark.executor.cores=1}) and scale with their number.
 */
public final class SparkSweep {
    /** The table of cells, their setting names and folders. */
    public static final String CELLS_CSV = "cells.csv";

    private SparkSweep() {}

    /**
     * The sweep's results: one entry per setting, in the settings' order.
     *
     * @param ran cells that were unfinished when the job started (run by this job)
     * @param skipped cells finished by an earlier run
     * @param folders each cell's folder below {@code cells/}, in the settings' order
     */
    public record Result(List<Sweep.Cell> cells, int ran, int skipped, List<String> folders, String output) {}

    /**
     * Runs (or resumes) {@code settings} as one Spark job on the model in {@code modelDir}, writing to {@code output}
     * (a local path or a Hadoop filesystem URI).
     *
     * @throws SparkJobException for settings that cannot run on Spark, or a cell that failed on every attempt
     */
    public static Result run(SparkSession spark, Path modelDir, String modelId, TaskData data, List<FineTuning> settings,
            String output, PrintStream console) throws IOException {
        if (!data.template().equals(PromptTemplates.forFormat(data.format()))) {
            throw new SparkJobException("task data: a custom prompt template; the Spark sweep renders prompts on the executors"
                    + " with the format's standard template (" + data.format() + "), as ./mmpeft sweep does");
        }
        if (settings.isEmpty()) {
            throw new SparkJobException("settings: none given; expected at least one sweep cell");
        }
        String root = data.root().toAbsolutePath().toString();
        List<CellSpec> cells = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (FineTuning s : settings) {
            CellSpec c = CellSpec.of(s, modelId, data.format(), root);
            if (!keys.add(c.key())) {
                throw new SparkJobException("settings: " + s.slug() + " is listed twice (same key " + c.folder() + ")");
            }
            cells.add(c);
        }
        SharedFolder.Location location = SharedFolder.location(output, spark.sparkContext().hadoopConfiguration());
        SharedFolder out = location.open();
        List<CellSpec> todo = new ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            CellSpec c = cells.get(i);
            boolean done = out.exists(CellTask.cellPath(c) + "/" + Experiment.SUMMARY);
            console.printf(Locale.ROOT, "[%d/%d] %s: %s%n", i + 1, cells.size(), c.slug(),
                    done ? "done before, skipping" : "a Spark task (" + c.folder() + ")");
            if (!done) {
                todo.add(c);
            }
        }
        if (!todo.isEmpty()) {
            runCells(spark, new CellTask(modelDir.toAbsolutePath().toString(), modelId, data.format(), root, location), todo);
        }
        List<Sweep.Cell> results = new ArrayList<>();
        StringBuilder csv = new StringBuilder("setting,key,folder\n");
        for (CellSpec c : cells) {
            String summary = CellTask.cellPath(c) + "/" + Experiment.SUMMARY;
            if (!out.exists(summary)) {
                throw new SparkJobException("cell " + c.slug() + ": the job finished but " + out.uri() + "/" + summary
                        + " is missing; expected every cell's summary");
            }
            JsonNode n = Json.parse(out.readString(summary), out.uri() + "/" + summary);
            results.add(Sweep.cellOf(n));
            csv.append(c.slug()).append(',').append(c.key()).append(',').append(c.folder()).append('\n');
        }
        out.writeString(CELLS_CSV, csv.toString());
        publishTables(results, out, modelId, data);
        console.printf(Locale.ROOT, "spark sweep: %d cells (%d run now, %d done before) in %s%n", cells.size(), todo.size(),
                cells.size() - todo.size(), out.uri());
        return new Result(List.copyOf(results), todo.size(), cells.size() - todo.size(),
                cells.stream().map(CellSpec::folder).toList(), out.uri());
    }

    private static void runCells(SparkSession spark, CellTask task, List<CellSpec> todo) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        jsc.setJobDescription("mmpeft sweep: " + todo.size() + " cells");
        try {
            // one partition per cell: each cell is one task, retried on its own
            jsc.parallelize(todo, todo.size()).map(task::run).collect();
        } catch (Exception e) { // Spark rethrows a task's last failure as SparkException, a checked exception it does not declare
            throw new SparkJobException("sweep job failed (finished cells are kept; run it again to retry the others): "
                    + e.getMessage(), e);
        }
    }

    /** Writes the tables with the single-machine sweep's writer into a local folder, then publishes each file. */
    private static void publishTables(List<Sweep.Cell> cells, SharedFolder out, String modelId, TaskData data)
            throws IOException {
        Path local = Files.createTempDirectory("mmpeft-sweep-tables-");
        try {
            Sweep.writeTables(cells, local, modelId, data);
            try (Stream<Path> files = Files.list(local)) {
                for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                    if (Files.isRegularFile(f)) {
                        out.publishFile(f, f.getFileName().toString());
                    }
                }
            }
        } finally {
            AtomicFiles.deleteRecursively(local);
        }
    }
}
