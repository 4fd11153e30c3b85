package dev.mmpeft.samples.cli;

import dev.mmpeft.core.Device;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.models.family.ModelFamily;
import dev.mmpeft.models.family.Models;
import dev.mmpeft.models.family.MultimodalModel;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipFamily;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --model DIR} option of every command that runs a model, as a picocli mixin
 * ({@code @Mixin ModelOption model;}): one description, one existence check with the same message,
 * one way to load (the family comes from {@code config.json}'s {@code model_type}).
 */
final class ModelOption {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face model directory of a registered family (instructblip, llava, lavin: config.json +"
                    + " safetensors; tokenizer.json, and qformer_tokenizer/ for InstructBLIP, where text is read).")
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

    /**
     * The family of the directory, from its {@code config.json}'s {@code model_type}.
     *
     * @throws dev.mmpeft.core.config.ConfigException naming the file and the known model types
     *     when the type is missing or no family loads it
     */
    ModelFamily family() {
        return Models.familyOf(directory());
    }

    /** Whether the directory holds an InstructBLIP model (the commands' typed path). */
    boolean isInstructBlip() {
        return family().name().equals(InstructBlipFamily.NAME);
    }

    /** The model of any family, loaded on {@code device}; the caller closes it. */
    MultimodalModel loadAny(Device device) {
        return Models.load(directory(), device.toDjl());
    }
}
