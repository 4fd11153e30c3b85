package dev.mmpeft.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Reads Hugging Face {@code config.json} files into typed configs, dispatching on
 * {@code model_type}: {@code instructblip}, {@code llava}, {@code lavin}, {@code t5}, {@code llama}, {@code bert},
 * {@code clip_vision_model}.
 */
public final class Configs {
    private Configs() {}

    /**
     * Reads a config from a {@code config.json} file or a model directory holding one.
     *
     * @throws ConfigException naming the file and field on any problem
     */
    public static ModelConfig read(Path fileOrDirectory) {
        if (!Files.exists(fileOrDirectory)) {
            throw new ConfigException(fileOrDirectory + ": no such config file or model directory");
        }
        Path file = Files.isDirectory(fileOrDirectory) ? fileOrDirectory.resolve("config.json") : fileOrDirectory;
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file + ": no such config file (a model directory holds config.json)");
        }
        JsonNode root;
        try {
            root = Json.read(file);
        } catch (Json.JsonFileException e) {
            throw new ConfigException(e.getMessage(), e);
        }
        return parse(root, file.toString());
    }

    /** Parses config JSON; {@code source} names it in errors. */
    public static ModelConfig parse(JsonNode root, String source) {
        ConfigReader r = new ConfigReader(source, "", root);
        String type = r.requireString("model_type");
        switch (type) {
            case "instructblip":
                return InstructBlipConfig.read(r);
            case LlavaConfig.MODEL_TYPE:
                return LlavaConfig.read(r);
            case LavinConfig.MODEL_TYPE:
                return LavinConfig.read(r);
            case ClipVisionConfig.MODEL_TYPE:
                return ClipVisionConfig.read(r);
            case "bert":
                return BertConfig.read(r);
            case "t5":
            case "llama":
                return readText(r);
            default:
                throw new ConfigException(source + ": model_type '" + type + "' is not supported; expected instructblip, llava, lavin, t5, llama, bert or clip_vision_model");
        }
    }

    /** Reads a config that must be of the given type. */
    public static <C extends ModelConfig> C read(Path fileOrDirectory, Class<C> type) {
        ModelConfig c = read(fileOrDirectory);
        if (!type.isInstance(c)) {
            throw new ConfigException(fileOrDirectory + ": expected a " + type.getSimpleName() + " (model_type), found model_type '" + c.modelType() + "'");
        }
        return type.cast(c);
    }

    /** Writes {@code config.json} into a directory, atomically. */
    public static void write(ModelConfig config, Path directory) throws IOException {
        AtomicFiles.writeString(directory.resolve("config.json"), Json.write(config.toJson()));
    }

    static TextModelConfig readText(ConfigReader r) {
        String type = r.requireString("model_type");
        switch (type) {
            case "t5":
                return T5Config.read(r);
            case "llama":
                return LlamaConfig.read(r);
            default:
                throw new ConfigException(r.source() + ": text model_type '" + type + "' is not supported; expected t5 or llama");
        }
    }

    /** Builds a value, turning its validation errors into ConfigExceptions naming the file and object. */
    static <T> T build(ConfigReader r, Supplier<T> builder) {
        try {
            return builder.get();
        } catch (ConfigException | IllegalStateException e) {
            String where = r.path().isEmpty() ? "" : "in '" + r.path() + "': ";
            throw new ConfigException(r.source() + ": " + where + e.getMessage(), e);
        }
    }

    static void positive(String where, String field, int value) {
        if (value <= 0) {
            throw new ConfigException(where + ": " + field + " must be > 0, got " + value);
        }
    }

    static void nonNegative(String where, String field, int value) {
        if (value < 0) {
            throw new ConfigException(where + ": " + field + " must be >= 0, got " + value);
        }
    }

    static void nonNegative(String where, String field, double value) {
        if (!(value >= 0)) {
            throw new ConfigException(where + ": " + field + " must be >= 0, got " + value);
        }
    }

    /** A dropout probability: 0 to 1, as torch.nn.Dropout requires. */
    static void probability(String where, String field, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new ConfigException(where + ": " + field + " must be a probability in [0, 1], got " + value);
        }
    }

    /** A product of two sizes (a layer's width) that must fit the int sizes tensors are built with. */
    static void productFits(String where, String a, int x, String b, int y) {
        if ((long) x * y > Integer.MAX_VALUE) {
            throw new ConfigException(where + ": " + a + " " + x + " times " + b + " " + y + " is too large (over 2^31 - 1)");
        }
    }

    static void divides(String where, String field, int value, String byField, int by) {
        positive(where, byField, by);
        if (value % by != 0) {
            throw new ConfigException(where + ": " + field + " " + value + " is not a multiple of " + byField + " " + by);
        }
    }
}
