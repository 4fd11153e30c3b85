package dev.mmpeft.samples.cli;

import dev.mmpeft.core.Device;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.models.family.ModelFamily;
import dev.mmpeft.models.family.Models;
import dev.mmpeft.models.family.MultimodalModel;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipFamily;
import dev.mmpeft.samples.quickstart.EmbeddedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code --model DIR|embedded[:NAME]} option of every command that runs a model (the family
 * comes from {@code config.json}'s {@code model_type}),
 * as a picocli mixin ({@code @Mixin ModelOption model;}): one description, one resolver
 * ({@link EmbeddedModels}), one existence check with the same message, one way to load.
 */
final class ModelOption {
    /** The option's description, shared with the commands whose {@code --model} is optional. */
    static final String DESCRIPTION = "A Hugging Face model directory of a registered family (instructblip, llava, lavin:"
            + " config.json + safetensors; tokenizer.json, and qformer_tokenizer/ for InstructBLIP), or 'embedded' for the"
            + " model packaged with mmpeft ('embedded:NAME' picks one by name).";

    @Spec(Spec.Target.MIXEE) CommandSpec mixee;

    @Option(names = "--model", required = true, paramLabel = "DIR|embedded", description = DESCRIPTION)
    String spec;

    /**
     * The directory.
     *
     * @throws CommandLine.ParameterException for an unknown embedded name (a bad flag value)
     * @throws MmpeftException when the directory does not exist (bad input)
     */
    Path directory() {
        return directory(mixee.commandLine(), spec);
    }

    /** How reports and adapters name the model ({@code mmpeft-tiny-instructblip-flan-t5} or the path). */
    String id() {
        return EmbeddedModels.modelId(spec);
    }

    /** The model, loaded on the CPU; the caller closes it. */
    InstructBlip load() {
        return InstructBlip.load(directory());
    }

    /** {@link #directory()} for a spec of any command. */
    static Path directory(CommandLine cl, String spec) {
        Path dir;
        try {
            dir = EmbeddedModels.resolve(spec);
        } catch (java.nio.file.InvalidPathException e) {
            throw new CommandLine.ParameterException(cl, "--model: not a usable path: " + e.getMessage());
        } catch (MmpeftException e) {
            if (EmbeddedModels.isEmbedded(spec)) {
                throw new CommandLine.ParameterException(cl, "--model: " + e.getMessage());
            }
            throw e;
        }
        if (!Files.isDirectory(dir)) {
            throw new MmpeftException(dir + ": no such model directory (--model)");
        }
        return dir;
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

    /** The model of any family with its processor, loaded on {@code device}, as experiments run it; the caller closes it. */
    dev.mmpeft.experiments.BaseModel loadBase(Device device) {
        return dev.mmpeft.experiments.BaseModel.load(directory(), id(), device);
    }

    /**
     * The model spec of a command whose {@code --model} defaults to the embedded model, given its
     * {@code --family}: {@code --family F} names the embedded model of family F
     * ({@code embedded:llava}; the default for instructblip).
     *
     * @throws CommandLine.ParameterException when both flags are given, or the family is unknown
     */
    static String withFamily(CommandLine cl, String model, @org.jspecify.annotations.Nullable String family) {
        if (family == null) {
            return model;
        }
        if (cl.getParseResult().hasMatchedOption("--model")) {
            throw new CommandLine.ParameterException(cl, "give --model or --family, not both (--family F runs the embedded model"
                    + " of family F; a model directory's family comes from its config.json)");
        }
        String name = family.strip().toLowerCase(java.util.Locale.ROOT);
        if (Models.forName(name).isEmpty()) {
            throw new CommandLine.ParameterException(cl, "--family: unknown family '" + family + "'; expected one of "
                    + Models.families().stream().map(ModelFamily::name).collect(java.util.stream.Collectors.joining(", ")));
        }
        return name.equals(InstructBlipFamily.NAME) ? EmbeddedModels.SCHEME : EmbeddedModels.SCHEME + ":" + name;
    }

    /** The model of any family, loaded on {@code device}; the caller closes it. */
    MultimodalModel loadAny(Device device) {
        return Models.load(directory(), device.toDjl());
    }
}
