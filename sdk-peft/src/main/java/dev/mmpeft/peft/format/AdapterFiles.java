package dev.mmpeft.peft.format;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsException;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.peft.PeftConfig;
import dev.mmpeft.peft.PeftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Hugging Face PEFT adapter directory: {@code adapter_config.json} and
 * {@code adapter_model.safetensors} (metadata {@code format: pt}, as {@code save_pretrained} writes
 * it), for every method.
 */
public final class AdapterFiles {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    public static final String PICKLE_WEIGHTS = "adapter_model.bin";

    private AdapterFiles() {}

    /**
     * Writes an adapter. A new directory appears complete or not at all; into an existing
     * directory each file is replaced atomically, weights first, so other files there survive.
     */
    public static void write(Path dir, PeftConfig resolved, Map<String, NDArray> tensors) throws IOException {
        String json = Json.write(AdapterFormats.writeConfig(resolved));
        AtomicFiles.IoConsumer<Path> fill = d -> {
            SafetensorsWriter.write(d.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
            AtomicFiles.writeString(d.resolve(CONFIG), json);
        };
        if (Files.isDirectory(dir)) {
            fill.accept(dir);
        } else {
            AtomicFiles.writeDirectory(dir, fill);
        }
    }

    /** Reads and validates {@code adapter_config.json} of an adapter directory. */
    public static PeftConfig readConfig(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new PeftException(dir + ": no such adapter directory");
        }
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new PeftException(dir + ": not a PEFT adapter directory (no " + CONFIG + ")");
        }
        try {
            return AdapterFormats.readConfig(Json.read(file), file.toString());
        } catch (Json.JsonFileException e) {
            throw new PeftException(e.getMessage(), e);
        }
    }

    /**
     * Reads {@code adapter_config.json} of an adapter directory that must be in one of Hugging Face
     * PEFT's own formats (this SDK's own types, such as bottleneck adapters, are refused by name).
     */
    public static PeftConfig readPeftConfig(Path dir) {
        Path file = configFile(dir);
        try {
            return AdapterFormats.readPeftConfig(Json.read(file), file.toString());
        } catch (Json.JsonFileException e) {
            throw new PeftException(e.getMessage(), e);
        }
    }

    private static Path configFile(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new PeftException(dir + ": no such adapter directory");
        }
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new PeftException(dir + ": not a PEFT adapter directory (no " + CONFIG + ")");
        }
        return file;
    }

    /** Opens {@code adapter_model.safetensors} of an adapter directory. */
    public static Checkpoint openWeights(Path dir) {
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) {
            if (Files.isRegularFile(dir.resolve(PICKLE_WEIGHTS))) {
                throw new PeftException(dir + ": only " + PICKLE_WEIGHTS + " found; pickle files can run code and are not read here. "
                        + "Convert it to " + WEIGHTS + " (safetensors) first");
            }
            throw new PeftException(dir + ": no " + WEIGHTS);
        }
        try {
            return Checkpoint.open(file);
        } catch (SafetensorsException e) {
            throw new PeftException(e.getMessage(), e);
        }
    }
}
