package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.core.safetensors.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A whole model of one family (T5, LLaMA, InstructBLIP): the root {@link HfBlock} with the config
 * it was built from, read from and written to a Hugging Face directory, and owning the arrays it
 * loaded or initialised.
 *
 * <p>Why a base class: every family is built from its config, loaded from a directory tensor by
 * tensor, saved, filled at random for tests and closed in the same way. A family states only what
 * differs: its structure (constructor), how checkpoint tensors feed its parameters
 * ({@link #loadWeights}) and which modules make up each {@link Component} ({@link #modulesOf});
 * its static factories ({@code load}, {@code random}, {@code fromConfig}) are one line each on top
 * of {@link #read}, {@link #owning} and {@link #withRandomWeights}.
 *
 * @param <C> the family's config type
 */
public abstract class HfModel<C extends ModelConfig> extends HfBlock implements AutoCloseable {
    private final C config;
    private @Nullable NDManager ownedManager;

    protected HfModel(C config) {
        this.config = config;
    }

    /** The configuration the model was built from (what {@link #save} writes as {@code config.json}). */
    public C config() {
        return config;
    }

    /**
     * The Hugging Face module names (relative to this model) that make up an elementary or
     * composite component; empty when the model has no such component. Structural: no array is
     * needed.
     */
    public abstract Set<String> modulesOf(Component component);

    /**
     * Sets every parameter's array from {@code checkpoint}, in {@code manager}, after checking all
     * names and shapes (nothing is set when something does not fit).
     *
     * @throws WeightMismatchException listing missing, unexpected and mis-shaped tensors
     */
    protected abstract void loadWeights(Checkpoint checkpoint, NDManager manager);

    /**
     * Writes a Hugging Face directory: {@code config.json} and {@code model.safetensors}, each
     * atomically.
     */
    public void save(Path directory) throws IOException {
        save(directory, Long.MAX_VALUE);
    }

    /**
     * Writes a Hugging Face directory with the weights split into shards of at most
     * {@code maxShardBytes} (one tensor per shard at least) and {@code model.safetensors.index.json},
     * written last so that a reader never sees an index naming a missing shard.
     */
    public void save(Path directory, long maxShardBytes) throws IOException {
        Weights.save(this, config, directory, maxShardBytes);
    }

    /** The manager holding the arrays this model owns (loaded or random), if any. */
    public Optional<NDManager> manager() {
        return Optional.ofNullable(ownedManager);
    }

    /** Frees the arrays this model owns (none for a structure from {@code fromConfig}). */
    @Override
    public void close() {
        if (ownedManager != null) {
            ownedManager.close();
            ownedManager = null;
        }
    }

    /**
     * Reads {@code config.json} of {@code directory} as {@code configType}, builds the structure and
     * loads its weights (single or sharded safetensors) into {@code manager}.
     *
     * @throws dev.mmpeft.core.MmpeftException ({@code ConfigException}, {@code SafetensorsException},
     *     {@code WeightMismatchException}) naming the file and what is wrong
     */
    protected static <C extends ModelConfig, M extends HfModel<C>> M read(
            Path directory, Class<C> configType, Function<C, M> structure, NDManager manager) {
        M model = structure.apply(Configs.read(directory, configType));
        try (Checkpoint checkpoint = Checkpoint.open(directory)) {
            model.loadWeights(checkpoint, manager);
        } catch (IOException e) {
            throw new UncheckedIOException(directory + ": cannot close checkpoint", e);
        }
        return model;
    }

    /**
     * The model {@code build} makes with arrays in {@code manager}, which the model then owns
     * ({@link #close()} frees it); the manager is closed if {@code build} fails.
     */
    protected static <M extends HfModel<?>> M owning(NDManager manager, Function<NDManager, M> build) {
        try {
            M model = build.apply(manager);
            // through the base type: a private field is not reachable through a type variable
            ((HfModel<?>) model).ownedManager = manager;
            return model;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** {@code structure} with deterministic random weights in {@code manager} ({@link Weights#initRandom}). */
    protected static <M extends HfModel<?>> M withRandomWeights(M structure, NDManager manager, long seed, float std) {
        Weights.initRandom(structure, manager, seed, std);
        return structure;
    }
}
