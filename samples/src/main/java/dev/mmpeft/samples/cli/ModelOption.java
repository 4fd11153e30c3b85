package dev.mmpeft.samples.cli;

import dev.mmpeft.core.Device;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.models.instructblip.InstructBlip;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --model DIR} option of every command that runs an InstructBLIP model, as a picocli
 * mixin ({@code @Mixin ModelOption model;}): one description, one existence check with the same
 * message, one way to load.
 */
final class ModelOption {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face InstructBLIP directory (config.json + safetensors; tokenizer.json and qformer_tokenizer/"
                    + " where text is read).")
    Path path;

    /**
     * The directory.
     *
     * @throws MmpeftException when it is not a directory
     */
    Path directory() {
        if (!Files.isDirectory(path)) {
            throw new MmpeftException(path + ": no such model directory");
        }
        return path;
    }

    /** The model, loaded on the CPU; the caller closes it. */
    InstructBlip load() {
        return InstructBlip.load(directory());
    }

    /** The model, loaded on {@code device}; the caller closes it. */
    InstructBlip load(Device device) {
        return InstructBlip.load(directory(), device);
    }
}
