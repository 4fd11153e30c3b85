package dev.mmpeft.spark.internal;

import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.experiments.Experiment;
import dev.mmpeft.experiments.Sweep;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.spark.SharedFolder;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.spark.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one Spark task of a sweep does on its executor: unless the cell is finished already, run
 * {@link Experiment#run} for it in a local scratch folder with the JVM's cached base model, then
 * publish the whole cell folder to the shared output in one atomic step. A failed attempt leaves
 * nothing in the output, so Spark's retry starts the cell afresh and finished cells are never redone.
 *
 * @param modelDir the Hugging Face InstructBLIP directory, at the same path on every executor
 * @param dataRoot the dataset folder, at the same path on every executor
 */
public record CellTask(String modelDir, String modelId, String format, String dataRoot, SharedFolder.Location output)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CellTask.class);

    /** The log of a cell's run, inside its folder. */
    public static final String LOG_FILE = "cell.log";

    /** The path of a cell's folder below the output. */
    public static String cellPath(CellSpec cell) {
        return Sweep.CELLS + "/" + cell.folder();
    }

    /**
     * Runs {@code cell} unless it is finished.
     *
     * @return whether this attempt trained and published the cell (false: it was finished already)
     */
    public boolean run(CellSpec cell) throws IOException {
        SharedFolder out = output.open();
        String path = cellPath(cell);
        if (out.exists(path + "/" + Experiment.SUMMARY)) {
            return false;
        }
        ReentrantLock lock = ExecutorModels.trainingLock();
        lock.lock();
        Path scratch = Files.createTempDirectory("mmpeft-cell-" + cell.folder() + "-");
        try {
            ExecutorModels.Loaded base = ExecutorModels.base(modelDir);
            Path dir = scratch.resolve(cell.folder());
            Files.createDirectories(dir);
            TaskContext task = TaskContext.get();
            LOG.info("cell {} (attempt {}) on {}", cell.folder(), task == null ? 0 : task.attemptNumber(), modelDir);
            try (OutputStream file = Files.newOutputStream(dir.resolve(LOG_FILE));
                    PrintStream console = new PrintStream(file, true, StandardCharsets.UTF_8)) {
                Experiment.run(base.model(), base.processor(), modelId, TaskData.of(format, Path.of(dataRoot)), cell.setting(),
                        dir, false, false, console);
            }
            return out.publishDirectoryIfAbsent(dir, path);
        } finally {
            lock.unlock();
            AtomicFiles.deleteRecursively(scratch);
        }
    }
}
