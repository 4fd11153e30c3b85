package dev.mmpeft.core.train.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.safetensors.SafetensorsFile;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.core.train.TrainingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The resume checkpoint of a run: one folder, replaced atomically as a whole
 * ({@link AtomicFiles#writeDirectory}), holding
 * <ul>
 *   <li>{@code trainer_state.json}: position (step, epoch), early-stopping state, loss history,
 *       optimizer step counts, the settings that must match on resume;
 *   <li>{@code trainable.safetensors}: the trainable tensors under their names;
 *   <li>{@code optimizer.safetensors}: the optimizer's state tensors
 *       ({@code <name>.exp_avg}, {@code <name>.exp_avg_sq} or {@code <name>.momentum_buffer}).
 * </ul>
 * The data order and every seed are functions of (seed, epoch, step), so the position is all the
 * random state a resume needs.
 */
public final class ResumeCheckpoint {
    public static final String STATE = "trainer_state.json";
    public static final String TRAINABLE = "trainable.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String FORMAT = "mmpeft-trainer-checkpoint";

    private final Path directory;
    private final JsonNode state;
    private final Map<String, NDArray> trainable;
    private final Map<String, NDArray> optimizer;

    private ResumeCheckpoint(Path directory, JsonNode state, Map<String, NDArray> trainable, Map<String, NDArray> optimizer) {
        this.directory = directory;
        this.state = state;
        this.trainable = trainable;
        this.optimizer = optimizer;
    }

    public Path directory() {
        return directory;
    }

    public JsonNode state() {
        return state;
    }

    public Map<String, NDArray> trainable() {
        return trainable;
    }

    public Map<String, NDArray> optimizer() {
        return optimizer;
    }

    /** Writes a checkpoint to {@code directory}, replacing the previous one atomically. */
    public static void write(
            Path directory, ObjectNode state, Map<String, NDArray> trainable, Map<String, NDArray> optimizerState)
            throws IOException {
        state.put("format", FORMAT);
        AtomicFiles.writeDirectory(directory, tmp -> {
            SafetensorsWriter.write(tmp.resolve(TRAINABLE), trainable, Map.of("format", "pt"));
            SafetensorsWriter.write(tmp.resolve(OPTIMIZER), optimizerState, Map.of("format", "pt"));
            // the state file last: a folder with it is complete (the rename makes it so anyway)
            AtomicFiles.writeString(tmp.resolve(STATE), Json.write(state));
        });
    }

    /**
     * Reads the checkpoint at {@code directory} if there is one, tensors into {@code manager}. A run
     * killed between the two renames of a folder replacement leaves only the {@code .old} sibling:
     * that one is complete and is put back first ({@link AtomicFiles#recoverDirectory}); stale
     * temporary folders of killed writes are removed.
     *
     * @throws TrainingException naming the file when a checkpoint exists but cannot be read
     */
    public static Optional<ResumeCheckpoint> read(Path directory, NDManager manager) {
        try {
            AtomicFiles.recoverDirectory(directory);
            AtomicFiles.removeLeftovers(directory);
        } catch (IOException e) {
            throw new TrainingException(directory + ": cannot recover the checkpoint folder: " + e.getMessage(), e);
        }
        if (!Files.isDirectory(directory)) {
            return Optional.empty();
        }
        Path use = directory;
        Path stateFile = use.resolve(STATE);
        if (!Files.isRegularFile(stateFile)) {
            throw new TrainingException(use + ": not a trainer checkpoint (no " + STATE + ")");
        }
        JsonNode state = Json.read(stateFile);
        if (!FORMAT.equals(state.path("format").asText())) {
            throw new TrainingException(stateFile + ": field 'format' is '" + state.path("format").asText()
                    + "', expected '" + FORMAT + "'");
        }
        return Optional.of(new ResumeCheckpoint(
                use, state, load(use.resolve(TRAINABLE), manager), load(use.resolve(OPTIMIZER), manager)));
    }

    private static Map<String, NDArray> load(Path file, NDManager manager) {
        if (!Files.isRegularFile(file)) {
            throw new TrainingException(file + ": missing from the checkpoint");
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String n : f.names()) {
                out.put(n, f.load(n, manager));
            }
        } catch (IOException e) {
            throw new TrainingException(file + ": cannot read: " + e.getMessage(), e);
        }
        return out;
    }
}
