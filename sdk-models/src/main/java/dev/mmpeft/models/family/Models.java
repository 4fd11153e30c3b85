package dev.mmpeft.models.family;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.config.ConfigException;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.core.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Entry point to every model family: loads a Hugging Face directory with the {@link ModelFamily}
 * that claims its {@code config.json}'s {@code model_type}.
 *
 * <pre>{@code
 * try (MultimodalModel model = Models.load(Path.of("models/llava-1.5-7b-hf"))) {
 *     ModelOutputs out = model.forward(ModelInputs.read(Path.of("inputs.safetensors"), scope));
 *     model.modulesOf(Component.LLM_ATTN);   // language_model.model.layers.N.self_attn.q_proj, ...
 * }
 * }</pre>
 *
 * <p>Families are found with {@link ServiceLoader} on the thread's context class loader and on
 * this class's own, each time they are asked for (cheap: a family creates nothing until it loads).
 */
public final class Models {
    private Models() {}

    /** Every family on the class path, by name. */
    public static List<ModelFamily> families() {
        Map<String, ModelFamily> byName = new TreeMap<>();
        byModelType().values().forEach(f -> byName.putIfAbsent(f.name(), f));
        return new ArrayList<>(byName.values());
    }

    /** The family that loads {@code model_type}, if any. */
    public static java.util.Optional<ModelFamily> forModelType(String modelType) {
        return java.util.Optional.ofNullable(byModelType().get(modelType));
    }

    /** The family named {@code name} ({@link ModelFamily#name()}), if any. */
    public static java.util.Optional<ModelFamily> forName(String name) {
        return families().stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /**
     * The family of a model directory (or its {@code config.json}), by {@code model_type}.
     *
     * @throws ConfigException naming the file when it is missing or unreadable, has no
     *     {@code model_type}, or no family loads that type (the message lists the known types)
     */
    public static ModelFamily familyOf(Path directoryOrConfig) {
        Path file = Files.isDirectory(directoryOrConfig) ? directoryOrConfig.resolve("config.json") : directoryOrConfig;
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file + ": no such config file (a model directory holds config.json)");
        }
        JsonNode root;
        try {
            root = Json.read(file);
        } catch (Json.JsonFileException e) {
            throw new ConfigException(e.getMessage(), e);
        }
        JsonNode type = root.get("model_type");
        if (type == null || !type.isTextual()) {
            throw new ConfigException(file + ": required field 'model_type' is " + (type == null ? "missing" : "not a string: " + type)
                    + "; expected one of the known model types " + known());
        }
        return forModelType(type.asText()).orElseThrow(() -> new ConfigException(
                file + ": model_type '" + type.asText() + "' is not a known model family; known model types: " + known()));
    }

    /** {@link #load(Path, Device)} on the CPU. */
    public static MultimodalModel load(Path directory) {
        return load(directory, Device.cpu());
    }

    /**
     * Loads a Hugging Face model directory with the family of its {@code model_type}.
     *
     * @throws dev.mmpeft.core.MmpeftException ({@link ConfigException} for an unknown or missing
     *     {@code model_type} or a bad field; the family's errors for its files) naming the file
     */
    public static MultimodalModel load(Path directory, Device device) {
        return familyOf(directory).load(directory, device);
    }

    /**
     * The structure of the model a config describes (a directory or a {@code config.json}), without
     * arrays: parameter counts and module names from declared shapes.
     */
    public static MultimodalModel fromConfig(Path directoryOrConfig) {
        ModelFamily family = familyOf(directoryOrConfig);
        ModelConfig config = Configs.read(directoryOrConfig);
        return family.fromConfig(config);
    }

    private static String known() {
        return byModelType().entrySet().stream()
                .map(e -> e.getKey() + " (family " + e.getValue().name() + ")")
                .collect(Collectors.joining(", "));
    }

    private static Map<String, ModelFamily> byModelType() {
        Map<String, ModelFamily> out = new TreeMap<>();
        ClassLoader tccl = Thread.currentThread().getContextClassLoader();
        if (tccl != null) {
            load(ServiceLoader.load(ModelFamily.class, tccl), out);
        }
        if (tccl != Models.class.getClassLoader()) {
            load(ServiceLoader.load(ModelFamily.class, Models.class.getClassLoader()), out);
        }
        return out;
    }

    private static void load(ServiceLoader<ModelFamily> loader, Map<String, ModelFamily> out) {
        for (ModelFamily family : loader) {
            for (String type : family.modelTypes()) {
                ModelFamily existing = out.get(type);
                if (existing == null || family.rank() > existing.rank()) {
                    out.put(type, family);
                }
            }
        }
    }
}
