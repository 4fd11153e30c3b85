package dev.mmpeft.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.train.TrainableModel;
import dev.mmpeft.peft.format.AdapterFiles;
import dev.mmpeft.peft.internal.AdapterPlan;
import dev.mmpeft.peft.internal.AdapterSet;
import dev.mmpeft.peft.internal.MergedExport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A model with PEFT adapters of any method: several named adapters of which one is active, full
 * training of chosen tensors, merge and unmerge where the method allows, and save/load in the
 * Hugging Face PEFT layout.
 *
 * <p>The model it adapts is never modified. A {@code PeftModel} builds a second structure of the
 * same architecture ({@link #model()}) whose frozen parameters point at the base model's arrays
 * (no weight is duplicated), and attaches adapters to that second structure only. Call the adapted
 * model's own forward methods on {@link #model()}.
 *
 * <p>For training it is a {@link TrainableModel}: {@link #trainableParameters()} are exactly the
 * active adapter's tensors, named as in the adapter file; every other parameter is frozen, so
 * frozen weights get neither gradients nor optimizer state.
 *
 * <p>Not thread-safe: one thread at a time may use it and {@link #model()} (DJL's blocks and
 * arrays are not thread-safe); a service confines it to one worker thread. Close it to free the adapters' arrays (the base model's arrays stay).
 *
 * @param <M> the adapted model's type (for example {@code InstructBlip})
 */
public final class PeftModel<M> implements TrainableModel<Prompt>, AutoCloseable {
    /** The adapter name PEFT uses when none is given. */
    public static final String DEFAULT_ADAPTER = "default";

    private final AdapterSet<M> set;
    private boolean closed;

    private PeftModel(AdapterSet<M> set) {
        this.set = set;
    }

    /** Adapts {@code model} with one adapter named {@link #DEFAULT_ADAPTER}, initialised from {@code seed}. */
    public static <M> PeftModel<M> adapt(AdaptableModel<M> model, PeftConfig config, long seed) {
        PeftModel<M> m = new PeftModel<>(new AdapterSet<>(model, seed));
        return m.closingOnFailure(() -> m.addAdapter(DEFAULT_ADAPTER, config));
    }

    /**
     * A model with no adapter yet, computing exactly what {@code model} computes until adapters are
     * loaded or added by name: the start of a service that loads its adapters at run time.
     */
    public static <M> PeftModel<M> withoutAdapters(AdaptableModel<M> model) {
        return new PeftModel<>(new AdapterSet<>(model, 0));
    }

    /** Adapts {@code model} with the adapter saved in {@code dir}, named {@link #DEFAULT_ADAPTER}. */
    static <M> PeftModel<M> load(AdaptableModel<M> model, Path dir, boolean trainable) {
        PeftModel<M> m = new PeftModel<>(new AdapterSet<>(model, 0));
        return m.closingOnFailure(() -> m.loadAdapter(dir, DEFAULT_ADAPTER, trainable));
    }

    private PeftModel<M> closingOnFailure(Runnable step) {
        try {
            step.run();
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The adapted model: call its forward methods; its frozen parameters share the base model's arrays. */
    public M model() {
        return set.twin().model();
    }

    /** The adapted model's {@link AdaptableModel} view (block tree, components). */
    public AdaptableModel<M> adaptable() {
        return set.twin();
    }

    /** The model this one adapts (never modified). */
    public M baseModel() {
        return set.base().model();
    }

    /**
     * Adds a new adapter of any method under {@code name} (a PEFT adapter name: no dots). The first
     * adapter becomes the active one; later ones are added inactive and frozen until
     * {@link #setActiveAdapter} picks them.
     *
     * @throws TargetNotFoundException if a target matches nothing (the message lists the closest module names)
     */
    public PeftModel<M> addAdapter(String name, PeftConfig config) {
        checkOpen();
        set.add(name, AdapterPlan.of(config, set.base(), true), !config.inferenceMode());
        return this;
    }

    /** Loads an adapter directory under {@code name}, trainable; see {@link #loadAdapter(Path, String, boolean)}. */
    public LoadReport loadAdapter(Path dir, String name) {
        return loadAdapter(dir, name, true);
    }

    /**
     * Loads an adapter directory ({@code adapter_config.json} + {@code adapter_model.safetensors}, any
     * method this SDK reads) under {@code name}. Targets are matched with PEFT's rules; tensors are
     * checked against the shapes the model expects before anything changes.
     *
     * @param trainable whether the adapter trains when active (PEFT's {@code is_trainable})
     * @return missing and unexpected tensors (missing ones keep their initial values, as in PEFT)
     * @throws AdapterMismatchException if a tensor's shape does not fit (nothing is loaded then)
     */
    public LoadReport loadAdapter(Path dir, String name, boolean trainable) {
        checkOpen();
        return set.load(dir, name, AdapterPlan.of(AdapterFiles.readConfig(dir), set.base(), false), trainable);
    }

    /** What loading an adapter from files found (missing and unexpected tensors); empty for adapters made in code. */
    public Optional<LoadReport> loadReport(String adapter) {
        return set.loadReport(adapter);
    }

    /** Makes {@code name} the adapter in use and the only trainable one (unless it was loaded frozen). */
    public PeftModel<M> setActiveAdapter(String name) {
        checkOpen();
        set.setActive(name);
        return this;
    }

    /** The adapter in use, if any. */
    public Optional<String> activeAdapter() {
        return set.active();
    }

    /** All adapter names, in the order they were added. */
    public Set<String> adapterNames() {
        return set.names();
    }

    /** Sets whether an adapter trains when active (PEFT's {@code inference_mode} / {@code is_trainable}). */
    public PeftModel<M> setTrainable(String name, boolean trainable) {
        set.setTrainable(name, trainable);
        return this;
    }

    /** Deletes an adapter and frees its arrays; deleting the active one activates the first remaining (by name, as PEFT). */
    public PeftModel<M> deleteAdapter(String name) {
        checkOpen();
        set.delete(name);
        return this;
    }

    /**
     * Turns every adapter off until the returned handle is closed: the model then computes exactly
     * what the base model computes (full-trained tensors are swapped back to the originals too).
     * Nests. Use with try-with-resources.
     */
    public AdaptersDisabled disableAdapters() {
        checkOpen();
        set.disable();
        return new AdaptersDisabled(set::enable);
    }

    /**
     * Computes each example of a batch with its own adapter until the returned handle is closed:
     * {@code adapterPerExample.get(b)} names the adapter of example {@code b}, null for the base
     * model alone. Each example's outputs equal those it gets alone with that adapter active (and
     * with adapters disabled for null), for forward passes, generation (greedy and beams: the rows
     * a beam search expands follow their example) and candidate scoring. The base weights are never
     * changed; the active adapter is untouched and computes again after {@code close()}.
     *
     * <p>A batch whose examples all use one adapter may use any adapter; a mixed batch may use only
     * adapters that {@link #routesRows(String) route rows} (LoRA, DoRA, IA3).
     *
     * @throws PeftException naming the adapter when it is unknown or cannot share the batch, or
     *     when adapters are merged or disabled
     */
    public RowRouting routeRows(List<? extends @org.jspecify.annotations.Nullable String> adapterPerExample) {
        checkOpen();
        dev.mmpeft.peft.spi.RowRoutes routes = dev.mmpeft.peft.spi.RowRoutes.of(adapterPerExample);
        return new RowRouting(routes, set::reroute, set.route(routes));
    }

    /**
     * Whether an adapter can share a batch with other adapters in {@link #routeRows}: every layer it
     * has computes row by row and it trains no tensor in full ({@code modules_to_save}).
     *
     * @throws PeftException when there is no such adapter
     */
    public boolean routesRows(String adapter) {
        checkOpen();
        return set.routesRows(adapter);
    }

    /** Whether adapters are currently disabled. */
    public boolean adaptersDisabled() {
        return set.disabled();
    }

    /**
     * Folds the active adapter into the layers' weights (LoRA: {@code W + scaling * B A}) so the model
     * computes without the adapter branch. Merged weights are new arrays; the base model's arrays are
     * never written. {@link #unmerge()} points the layers back at the originals exactly.
     *
     * @throws PeftException for a method that cannot merge (the message names it)
     */
    public PeftModel<M> merge() {
        checkOpen();
        set.merge();
        return this;
    }

    /** Undoes {@link #merge()}: the layers use the original arrays again (bit for bit). */
    public PeftModel<M> unmerge() {
        checkOpen();
        set.unmerge();
        return this;
    }

    public boolean isMerged() {
        return set.merged();
    }

    /** {@link #exportMerged(Path, AtomicFiles.IoConsumer)} with no extra files. */
    public void exportMerged(Path dir) throws IOException {
        exportMerged(dir, d -> {});
    }

    /**
     * Writes a standalone Hugging Face checkpoint of the adapted model with the active adapter
     * merged in ({@code config.json} + {@code model.safetensors}, same tensor names as the base
     * model): PEFT's {@code merge_and_unload()} followed by {@code save_pretrained}, with
     * {@code alsoWrite} adding files (tokenizers, processor config) before the directory appears
     * complete. This model is left as it was (merged or not).
     */
    public void exportMerged(Path dir, AtomicFiles.IoConsumer<Path> alsoWrite) throws IOException {
        checkOpen();
        MergedExport.write(set, dir, alsoWrite);
    }

    /** Saves every adapter as PEFT's {@code save_pretrained} does: {@link #DEFAULT_ADAPTER} in {@code dir}, each other in {@code dir/<name>}. */
    public void save(Path dir) throws IOException {
        checkOpen();
        for (String name : set.names()) {
            save(name.equals(DEFAULT_ADAPTER) ? dir : dir.resolve(name), name);
        }
    }

    /**
     * Saves one adapter in the Hugging Face PEFT layout: {@code adapter_config.json} and
     * {@code adapter_model.safetensors} with PEFT's keys (adapter name stripped;
     * {@code base_model.model.<name>} for tensors trained in full). Written atomically.
     */
    public void save(Path dir, String adapter) throws IOException {
        checkOpen();
        try (NDManager scope = NDManager.newBaseManager()) {
            AdapterFiles.write(dir, set.plan(adapter).resolvedConfig(), set.savedTensors(adapter, scope));
        }
    }

    /** An adapter's tensors under their file keys (the arrays themselves, not copies). */
    public Map<String, NDArray> adapterTensors(String adapter) {
        return set.tensors(adapter);
    }

    /** An adapter's configuration as it is saved (component targets resolved to module names). */
    public PeftConfig config(String adapter) {
        return set.plan(adapter).resolvedConfig();
    }

    /**
     * An adapter's configuration as it is saved, as the method's own type.
     *
     * @throws PeftException when the adapter is of another method
     */
    public <C extends PeftConfig> C config(String adapter, Class<C> type) {
        PeftConfig c = config(adapter);
        if (!type.isInstance(c)) {
            throw new PeftException("adapter '" + adapter + "' is " + c.peftType() + ", not " + type.getSimpleName());
        }
        return type.cast(c);
    }

    /** The modules an adapter changes, in model order (PEFT's {@code targeted_module_names}). */
    public List<String> targetedModules(String adapter) {
        return set.plan(adapter).methodPlan().targetedModules();
    }

    /**
     * The active adapter's trainable tensors under their adapter-file names, in a fixed order (the
     * method's tensors in module order, then tensors trained in full); printed, PEFT's
     * trainable-parameter report with a per-component table. Empty when no adapter trains.
     */
    @Override
    public TrainableParameters trainableParameters() {
        return new TrainableParameters(set.trainableParameters(), parameterReport());
    }

    /** The trainable-parameter counts (structural: the same numbers {@code inspect} prints). */
    public ParameterReport parameterReport() {
        return Reports.of(set.base().root().parameterCount(), set.plans(), set.trainingPlan().orElse(null));
    }

    @Override
    public NDArray loss(List<Prompt> batch, NDManager scope) {
        checkOpen();
        return set.twin().loss(set.twin().model(), batch, scope);
    }

    @Override
    public Map<String, Double> lossTerms() {
        return set.lossTerms();
    }

    @Override
    public java.util.OptionalInt tokenLength(Prompt prompt) {
        return set.twin().tokenLength(prompt);
    }

    @Override
    public void reuseFrozenFeatures(dev.mmpeft.core.cache.@org.jspecify.annotations.Nullable FeatureCache cache) {
        checkOpen();
        set.twin().reuseFrozenFeatures(set.twin().model(), cache);
    }

    @Override
    public void setTraining(boolean training) {
        set.twin().root().setTraining(training);
    }

    /** Saves the active adapter in the PEFT layout (what the trainer checkpoints). */
    @Override
    public void saveTrainable(Path directory) throws IOException {
        save(directory, set.active().orElseThrow(() -> new PeftException("no active adapter to save")));
    }

    /** Frees the adapters' arrays; the base model and its arrays are untouched. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            set.close();
        }
    }

    /**
     * An independent copy on {@code device} for data-parallel training: the base model's frozen
     * arrays copied to that device once, every adapter with its current values, the same active
     * adapter, names and trainable flags. A step on one copy never changes the other. Close the
     * copy to free what it copied.
     */
    @Override
    public PeftModel<M> replicate(Device device) {
        checkOpen();
        return new PeftModel<>(set.replicate(device));
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this PeftModel is closed");
        }
    }
}
