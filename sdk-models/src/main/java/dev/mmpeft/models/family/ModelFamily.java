package dev.mmpeft.models.family;

import ai.djl.Device;
import dev.mmpeft.core.config.ModelConfig;
import java.nio.file.Path;
import java.util.Set;

/**
 * The extension point for model families, found with {@link java.util.ServiceLoader}: list an
 * implementation in {@code META-INF/services/dev.mmpeft.models.family.ModelFamily} and
 * {@link Models#load} loads every checkpoint whose {@code config.json} has one of its
 * {@link #modelTypes()}.
 *
 * <p>Why an SPI: a family (InstructBLIP, LLaVA, later LaVIN) is a package of its own, and the
 * pipeline (CLI, trainer, evaluation) should reach a new one without a switch statement that names
 * them all. Among families claiming the same {@code model_type}, the highest {@link #rank()} wins.
 */
public interface ModelFamily {
    /** The family's name as users type it ({@code instructblip}, {@code llava}): lower case. */
    String name();

    /** The Hugging Face {@code model_type}s this family loads. */
    Set<String> modelTypes();

    /** One line on what the family is, for listings. */
    default String description() {
        return name();
    }

    /** Among families claiming the same {@code model_type}, the highest rank wins (built-ins have 0). */
    default int rank() {
        return 0;
    }

    /**
     * Loads a Hugging Face directory of one of {@link #modelTypes()} onto {@code device}.
     *
     * @throws dev.mmpeft.core.MmpeftException naming the file, field or tensor at fault
     */
    MultimodalModel load(Path directory, Device device);

    /**
     * The structure of a model from its config, with declared shapes and no arrays: for parameter
     * counts and module names. Its forward, generation and scoring refuse to run, naming the reason.
     *
     * @throws dev.mmpeft.core.config.ConfigException when the config is not one of this family's
     */
    MultimodalModel fromConfig(ModelConfig config);
}
