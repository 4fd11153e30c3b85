package dev.mmpeft.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.ModelConfig;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.core.safetensors.TensorInfo;
import dev.mmpeft.core.train.TrainableModel;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.peft.internal.AdapterFiles;
import dev.mmpeft.peft.internal.AdapterPlan;
import dev.mmpeft.peft.internal.LoraInit;
import dev.mmpeft.peft.internal.LoraLayer;
import dev.mmpeft.peft.internal.ParameterArrays;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model with PEFT adapters: LoRA on chosen linear layers, full training of chosen tensors,
 * several named adapters of which one is active, merge and unmerge, and save/load in the Hugging
 * Face PEFT layout.
 *
 * <p>The model it adapts is never modified. A {@code PeftModel} builds a second structure of the
 * same architecture ({@link #model()}) whose frozen parameters point at the base model's arrays
 * (the same {@link NDArray} objects: no weight is duplicated), and attaches adapters to that second
 * structure only. Tensors trained in full are copies; merged weights are new arrays. Call the
 * adapted model's own forward methods on {@link #model()}.
 *
 * <p>For training it is a {@link TrainableModel}: {@link #trainableParameters()} are exactly the
 * active adapter's tensors, named as in the adapter file; every other parameter is frozen
 * ({@link Parameter#requiresGradient()} false, its array never attached to a gradient), so frozen
 * weights get neither gradients nor optimizer state.
 *
 * <p>Not thread-safe. Close it to free the adapters' arrays (the base model's arrays stay).
 *
 * @param <M> the adapted model's type (for example {@code InstructBlip})
 */
public final class PeftModel<M> implements TrainableModel<Prompt>, AutoCloseable {
    private static final String FILE_PREFIX = "base_model.model.";

    /** The adapter name PEFT uses when none is given. */
    public static final String DEFAULT_ADAPTER = "default";

    private static final Logger LOG = LoggerFactory.getLogger(PeftModel.class);

    private final AdaptableModel<M> base;
    private final AdaptableModel<M> twin;
    private final NDManager manager;
    private final long seed;
    /** The names of the twin's own parameters (not the adapters'), Hugging Face names. */
    private final Set<String> parameterNames;
    /** The base model's arrays the twin's parameters share, by name. */
    private final Map<String, NDArray> shared;
    private final Map<String, LoraLayer> layers = new LinkedHashMap<>();
    private final Map<String, Adapter> adapters = new LinkedHashMap<>();
    private @Nullable String active;
    private int disabledDepth;
    private boolean merged;
    private boolean closed;
    /** Arrays of a base model this PeftModel copied for itself ({@link #replicate}), freed on close. */
    private @Nullable NDManager ownedBase;

    /** One named adapter's state. */
    private static final class Adapter {
        final String name;
        final AdapterPlan plan;
        /** Copies of tensors trained in full, by parameter name. */
        final Map<String, NDArray> copies = new LinkedHashMap<>();
        boolean trainable;
        @Nullable LoadReport loadReport;

        Adapter(String name, AdapterPlan plan, boolean trainable) {
            this.name = name;
            this.plan = plan;
            this.trainable = trainable;
        }
    }

    private PeftModel(AdaptableModel<M> base, long seed) {
        this.base = base;
        this.seed = seed;
        this.twin = base.newStructure();
        HfBlock baseRoot = base.root();
        HfBlock twinRoot = twin.root();
        if (twinRoot == baseRoot) {
            throw new IllegalStateException(base.getClass().getSimpleName() + ".newStructure() returned the same block tree");
        }
        Map<String, Parameter> baseParams = baseRoot.namedParameters();
        this.parameterNames = Set.copyOf(twinRoot.namedParameters().keySet());
        if (!baseParams.keySet().equals(parameterNames)) {
            throw new IllegalStateException("the new structure's parameters differ from the base model's: " + difference(baseParams.keySet(), parameterNames));
        }
        this.shared = new LinkedHashMap<>();
        ai.djl.Device device = null;
        for (Map.Entry<String, Parameter> e : baseParams.entrySet()) {
            Parameter bp = e.getValue();
            if (!bp.isInitialized()) {
                throw new PeftException("base model parameter '" + e.getKey() + "' holds no array; load or initialise the model before adapting it");
            }
            NDArray array = bp.getArray();
            if (array.hasGradient()) {
                // the base model is itself training: share its storage but cut gradients off (no copy)
                array = array.stopGradient();
            }
            // frozen without freeze(), which would also clear the shared array's gradient flag
            twinRoot.replaceArray(e.getKey(), array, false);
            shared.put(e.getKey(), array);
            if (device == null) {
                device = array.getDevice();
            }
        }
        this.manager = device == null ? NDManager.newBaseManager() : NDManager.newBaseManager(device);
    }

    /**
     * Adapts {@code base} with one adapter named {@link #DEFAULT_ADAPTER}; LoRA matrices are
     * initialised from {@code seed}.
     */
    static <M> PeftModel<M> create(AdaptableModel<M> base, LoraConfig config, long seed) {
        PeftModel<M> m = new PeftModel<>(base, seed);
        try {
            m.addAdapter(DEFAULT_ADAPTER, config);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** Adapts {@code base} with the adapter saved in {@code dir}, named {@link #DEFAULT_ADAPTER}. */
    static <M> PeftModel<M> load(AdaptableModel<M> base, Path dir, boolean trainable) {
        PeftModel<M> m = new PeftModel<>(base, 0);
        try {
            m.loadAdapter(dir, DEFAULT_ADAPTER, trainable);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** The adapted model: call its forward methods; its frozen parameters share the base model's arrays. */
    public M model() {
        return twin.model();
    }

    /** The adapted model's {@link AdaptableModel} view (block tree, components). */
    public AdaptableModel<M> adaptable() {
        return twin;
    }

    /** The model this one adapts (never modified). */
    public M baseModel() {
        return base.model();
    }

    // ------------------------------------------------------------------ adapters

    /**
     * Adds a new adapter under {@code name} (a PEFT adapter name: no dots). The first adapter
     * becomes the active one; later ones are added inactive and frozen until
     * {@link #setActiveAdapter} picks them.
     *
     * @throws TargetNotFoundException if a target matches nothing (the message lists the closest module names)
     */
    public PeftModel<M> addAdapter(String name, LoraConfig config) {
        checkOpen();
        checkName(name);
        AdapterPlan plan = AdapterPlan.of(config, base, true);
        create(name, plan, !config.inferenceMode());
        return this;
    }

    /**
     * Loads a PEFT adapter directory under {@code name}, trainable; see {@link #loadAdapter(Path, String, boolean)}.
     */
    public LoadReport loadAdapter(Path dir, String name) {
        return loadAdapter(dir, name, true);
    }

    /**
     * Loads a PEFT adapter directory ({@code adapter_config.json} + {@code adapter_model.safetensors})
     * under {@code name}. Targets are matched with PEFT's rules; tensors are checked against the
     * shapes the model expects before anything changes.
     *
     * @param trainable whether the adapter trains when active (PEFT's {@code is_trainable})
     * @return missing and unexpected tensors (missing ones keep their initial values, as in PEFT)
     * @throws AdapterMismatchException if a tensor's shape does not fit (nothing is loaded then)
     */
    public LoadReport loadAdapter(Path dir, String name, boolean trainable) {
        checkOpen();
        checkName(name);
        LoraConfig config = AdapterFiles.readConfig(dir);
        AdapterPlan plan = AdapterPlan.of(config, base, false);
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        Map<String, NDArray> loaded = new LinkedHashMap<>();
        try (Checkpoint file = AdapterFiles.openWeights(dir)) {
            Map<String, String> aliases = aliases(plan);
            Map<String, Shape> planned = expectedTensors(plan);
            Map<String, Shape> baseShapes = base.root().parameterShapes();
            Map<String, String> fixed = new LinkedHashMap<>();
            for (String key : file.names()) {
                String k = aliases.getOrDefault(key, key);
                if (planned.containsKey(k)) {
                    continue;
                }
                // PEFT loads with load_state_dict(strict=False): a key naming a tensor of the model
                // replaces it even outside modules_to_save; a wrapped layer's bias is <m>.base_layer.bias
                String tensor = k.startsWith(FILE_PREFIX) ? k.substring(FILE_PREFIX.length()).replace(".base_layer.", ".") : null;
                if (tensor != null && baseShapes.containsKey(tensor) && !plan.fullParameters().containsKey(tensor) && !k.contains(".lora_")) {
                    fixed.put(tensor, key);
                } else {
                    unexpected.add(key);
                }
            }
            plan = plan.withFixedTensors(fixed, baseShapes);
            Map<String, Shape> expected = expectedTensors(plan);
            for (Map.Entry<String, Shape> e : expected.entrySet()) {
                Optional<TensorInfo> info = find(file, e.getKey(), aliases);
                if (info.isEmpty()) {
                    missing.add(e.getKey());
                } else if (!Arrays.equals(info.get().shape(), e.getValue().getShape())) {
                    mismatched.add(info.get().name() + ": file " + Arrays.toString(info.get().shape()) + ", model expects " + e.getValue());
                } else if (!info.get().dtype().loadedAs().isFloating()) {
                    mismatched.add(info.get().name() + ": dtype " + info.get().dtype() + ", expected a float type");
                }
            }
            if (!mismatched.isEmpty()) {
                throw new AdapterMismatchException(dir.toString(), List.of(), List.of(), mismatched);
            }
            if (loaded.isEmpty() && expected.keySet().stream().allMatch(missing::contains)) {
                throw new AdapterMismatchException(dir.toString(), missing, unexpected, List.of());
            }
            for (String key : expected.keySet()) {
                Optional<TensorInfo> info = find(file, key, aliases);
                if (info.isPresent()) {
                    try (NDManager scratch = manager.newSubManager()) {
                        NDArray raw = file.load(info.get().name(), scratch);
                        loaded.put(key, ParameterArrays.copy(raw, manager));
                    }
                }
            }
        } catch (IOException e) {
            loaded.values().forEach(NDArray::close);
            throw new PeftException(dir + ": cannot read adapter: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            loaded.values().forEach(NDArray::close);
            throw e;
        }
        Adapter a = create(name, plan, trainable);
        int count = loaded.size();
        install(a, loaded);
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            LOG.warn("adapter {} loaded from {}: {} missing tensors {}, {} unexpected tensors {}",
                    name, dir, missing.size(), missing, unexpected.size(), unexpected);
        }
        a.loadReport = LoadReport.builder()
                .source(dir)
                .adapter(name)
                .missing(missing)
                .unexpected(unexpected)
                .loaded(count)
                .build();
        return a.loadReport;
    }

    /** What loading an adapter from files found (missing and unexpected tensors); empty for adapters made in code. */
    public Optional<LoadReport> loadReport(String adapter) {
        Adapter a = adapters.get(adapter);
        if (a == null) {
            throw new PeftException("no adapter named '" + adapter + "'; adapters: " + adapters.keySet());
        }
        return Optional.ofNullable(a.loadReport);
    }

    private static Optional<TensorInfo> find(Checkpoint file, String key, Map<String, String> aliases) {
        Optional<TensorInfo> info = file.find(key);
        if (info.isPresent()) {
            return info;
        }
        for (Map.Entry<String, String> e : aliases.entrySet()) {
            if (e.getValue().equals(key)) {
                return file.find(e.getKey());
            }
        }
        return Optional.empty();
    }

    /** Other keys accepted for an expected tensor: a wrapped layer's bias as {@code X.bias} or {@code X.base_layer.bias}. */
    private static Map<String, String> aliases(AdapterPlan plan) {
        Map<String, String> out = new LinkedHashMap<>();
        for (AdapterPlan.FullParameter f : plan.fullParameters().values()) {
            if (f.fileKey.endsWith(".base_layer.bias")) {
                out.put(f.fileKey.substring(0, f.fileKey.length() - ".base_layer.bias".length()) + ".bias", f.fileKey);
            }
        }
        return out;
    }

    private static Map<String, Shape> expectedTensors(AdapterPlan plan) {
        Map<String, Shape> out = new LinkedHashMap<>();
        for (AdapterPlan.LoraModule m : plan.loraModules().values()) {
            out.put(m.keyA(), new Shape(m.r, m.in));
            out.put(m.keyB(), new Shape(m.out, m.r));
            if (m.loraBias) {
                out.put(m.keyBBias(), new Shape(m.out));
            }
        }
        for (AdapterPlan.FullParameter f : plan.fullParameters().values()) {
            out.put(f.fileKey, f.shape);
        }
        return out;
    }

    private Adapter create(String name, AdapterPlan plan, boolean trainable) {
        if (adapters.containsKey(name)) {
            throw new PeftException("an adapter named '" + name + "' already exists; delete it first or choose another name");
        }
        if (merged) {
            throw new PeftException("cannot add adapter '" + name + "' while adapters are merged; unmerge first");
        }
        if (plan.config().bias() != LoraBias.NONE) {
            for (Adapter other : adapters.values()) {
                if (other.plan.config().bias() != LoraBias.NONE) {
                    // PEFT: "supports only 1 adapter with bias"
                    throw new PeftException("only one adapter may train biases; adapter '" + other.name + "' already has bias = " + other.plan.config().bias().jsonValue());
                }
            }
        }
        Adapter a = new Adapter(name, plan, trainable);
        List<NDArray> created = new ArrayList<>();
        try {
            Map<String, HfBlock> modules = twin.root().namedModules();
            for (AdapterPlan.LoraModule m : plan.loraModules().values()) {
                LoraLayer layer = layers.get(m.name);
                if (layer == null) {
                    layer = new LoraLayer(m.name, (Linear) modules.get(m.name));
                    layers.put(m.name, layer);
                }
                Linear[] ab = layer.add(name, m.r, m.alpha, m.scaling, plan.config().loraDropout(), m.loraBias);
                var init = plan.config().initLoraWeights();
                NDArray wa = ParameterArrays.create(manager, new Shape(m.r, m.in), LoraInit.a(init, m.r, m.in, LoraInit.stream(seed, name, m.name, "A")));
                NDArray wb = ParameterArrays.create(manager, new Shape(m.out, m.r), LoraInit.b(init, m.out, m.r, LoraInit.stream(seed, name, m.name, "B")));
                created.add(wa);
                created.add(wb);
                ab[0].weight().setArray(wa);
                ab[1].weight().setArray(wb);
                if (m.loraBias) {
                    NDArray bb = ParameterArrays.create(manager, new Shape(m.out), LoraInit.bBias(init, m.out, m.r, LoraInit.stream(seed, name, m.name, "Bb")));
                    created.add(bb);
                    ab[1].bias().setArray(bb);
                }
                for (Linear l : ab) {
                    l.getParameters().values().forEach(p -> p.freeze(true));
                }
            }
            for (AdapterPlan.FullParameter f : plan.fullParameters().values()) {
                NDArray copy = ParameterArrays.copy(shared.get(f.name), manager);
                copy.setRequiresGradient(false);
                created.add(copy);
                a.copies.put(f.name, copy);
            }
        } catch (RuntimeException e) {
            for (LoraLayer layer : layers.values()) {
                layer.remove(name);
            }
            dropEmptyLayers();
            created.forEach(NDArray::close);
            throw e;
        }
        adapters.put(name, a);
        if (active == null) {
            setActiveAdapter(name);
        }
        return a;
    }

    /** Replaces an adapter's initial arrays with loaded ones (by file key). */
    private void install(Adapter a, Map<String, NDArray> loaded) {
        for (AdapterPlan.LoraModule m : a.plan.loraModules().values()) {
            Linear[] ab = layers.get(m.name).matrices(a.name).orElseThrow();
            replace(ab[0], "weight", loaded.remove(m.keyA()));
            replace(ab[1], "weight", loaded.remove(m.keyB()));
            if (m.loraBias) {
                replace(ab[1], "bias", loaded.remove(m.keyBBias()));
            }
        }
        for (AdapterPlan.FullParameter f : a.plan.fullParameters().values()) {
            NDArray value = loaded.remove(f.fileKey);
            if (value != null) {
                NDArray old = a.copies.put(f.name, value);
                if (old != null) {
                    old.close();
                }
            }
        }
        loaded.values().forEach(NDArray::close);
        refreshGradients();
        if (a.name.equals(active)) {
            pointAtCopies(a);
        }
    }

    /** Puts {@code value} (when there is one) in place of a LoRA matrix's array and frees the old one. */
    private static void replace(Linear matrix, String parameter, @Nullable NDArray value) {
        if (value == null) {
            return;
        }
        Parameter p = matrix.parameter(parameter);
        NDArray old = p.getArray();
        boolean grad = p.requiresGradient();
        if (value.hasGradient() != grad) {
            value.setRequiresGradient(grad);
        }
        matrix.replaceArray(parameter, value, grad);
        old.close();
    }

    /**
     * Makes {@code name} the adapter in use: its LoRA matrices apply and its full-trained copies
     * replace the shared tensors; it becomes the only trainable one (unless it was loaded frozen).
     */
    public PeftModel<M> setActiveAdapter(String name) {
        checkOpen();
        Adapter next = adapters.get(name);
        if (next == null) {
            throw new PeftException("no adapter named '" + name + "'; adapters: " + adapters.keySet());
        }
        if (merged) {
            throw new PeftException("cannot switch adapters while merged; unmerge first");
        }
        Adapter previous = active == null ? null : adapters.get(active);
        if (previous != null) {
            pointAtOriginals(previous);
        }
        active = name;
        for (LoraLayer layer : layers.values()) {
            layer.setActive(List.of(name));
        }
        if (disabledDepth == 0) {
            pointAtCopies(next);
        }
        refreshGradients();
        return this;
    }

    /** The adapter in use, if any. */
    public Optional<String> activeAdapter() {
        return Optional.ofNullable(active);
    }

    /** All adapter names, in the order they were added. */
    public Set<String> adapterNames() {
        return new LinkedHashSet<>(adapters.keySet());
    }

    /**
     * Sets whether an adapter trains when active (PEFT's {@code inference_mode} / {@code is_trainable}).
     */
    public PeftModel<M> setTrainable(String name, boolean trainable) {
        Adapter a = adapters.get(name);
        if (a == null) {
            throw new PeftException("no adapter named '" + name + "'; adapters: " + adapters.keySet());
        }
        a.trainable = trainable;
        refreshGradients();
        return this;
    }

    /**
     * Deletes an adapter and frees its arrays. Deleting the active adapter activates the first
     * remaining one (in name order, as PEFT does), or none.
     */
    public PeftModel<M> deleteAdapter(String name) {
        checkOpen();
        Adapter a = adapters.get(name);
        if (a == null) {
            throw new PeftException("no adapter named '" + name + "'; adapters: " + adapters.keySet());
        }
        if (merged) {
            throw new PeftException("cannot delete adapter '" + name + "' while merged; unmerge first");
        }
        if (name.equals(active)) {
            pointAtOriginals(a);
            active = null;
        }
        for (LoraLayer layer : layers.values()) {
            layer.matrices(name).ifPresent(ab -> {
                for (Linear l : ab) {
                    l.getParameters().values().forEach(p -> p.getArray().close());
                }
            });
            layer.remove(name);
        }
        dropEmptyLayers();
        a.copies.values().forEach(NDArray::close);
        adapters.remove(name);
        if (active == null && !adapters.isEmpty()) {
            setActiveAdapter(new TreeMap<>(adapters).firstKey());
        }
        refreshGradients();
        return this;
    }

    private void dropEmptyLayers() {
        layers.values().removeIf(layer -> {
            if (layer.isEmpty()) {
                layer.detach();
                return true;
            }
            return false;
        });
    }

    /**
     * Turns every adapter off until the returned handle is closed: the model then computes exactly
     * what the base model computes (full-trained tensors are swapped back to the originals too).
     * Nests. Use with try-with-resources.
     */
    public AdaptersDisabled disableAdapters() {
        checkOpen();
        if (merged) {
            throw new PeftException("cannot disable adapters while merged; unmerge first");
        }
        if (disabledDepth++ == 0) {
            layers.values().forEach(l -> l.setDisabled(true));
            if (active != null) {
                pointAtOriginals(adapters.get(active));
            }
        }
        return new AdaptersDisabled(this);
    }

    void enableAdapters() {
        if (disabledDepth == 0) {
            return;
        }
        if (--disabledDepth == 0) {
            layers.values().forEach(l -> l.setDisabled(false));
            if (active != null) {
                pointAtCopies(adapters.get(active));
            }
        }
    }

    /** Whether adapters are currently disabled. */
    public boolean adaptersDisabled() {
        return disabledDepth > 0;
    }

    /** A handle that re-enables adapters when closed. */
    public static final class AdaptersDisabled implements AutoCloseable {
        private @Nullable PeftModel<?> model;

        AdaptersDisabled(PeftModel<?> model) {
            this.model = model;
        }

        @Override
        public void close() {
            if (model != null) {
                model.enableAdapters();
                model = null;
            }
        }
    }

    private void pointAtCopies(Adapter a) {
        for (Map.Entry<String, NDArray> e : a.copies.entrySet()) {
            twin.root().replaceArray(e.getKey(), e.getValue(), a.trainable && trains(a, e.getKey()));
        }
    }

    private static boolean trains(Adapter a, String parameter) {
        AdapterPlan.FullParameter f = a.plan.fullParameters().get(parameter);
        return f != null && f.trains();
    }

    private void pointAtOriginals(Adapter a) {
        for (String name : a.copies.keySet()) {
            twin.root().replaceArray(name, shared.get(name), false);
        }
    }

    /** Only the active, trainable adapter's arrays require gradients. */
    private void refreshGradients() {
        for (Adapter a : adapters.values()) {
            boolean on = a.trainable && a.name.equals(active);
            for (Parameter p : loraParameters(a).values()) {
                if (p.requiresGradient() != on || p.getArray().hasGradient() != on) {
                    p.freeze(!on);
                }
            }
            for (Map.Entry<String, NDArray> e : a.copies.entrySet()) {
                boolean trains = on && trains(a, e.getKey());
                NDArray c = e.getValue();
                if (c.hasGradient() != trains) {
                    c.setRequiresGradient(trains);
                }
                if (a.name.equals(active) && disabledDepth == 0) {
                    // the parameter holds the copy now; only its flag changes
                    twin.root().replaceArray(e.getKey(), c, trains);
                }
            }
        }
    }

    /** An adapter's LoRA parameters by file key, in module order. */
    private Map<String, Parameter> loraParameters(Adapter a) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (AdapterPlan.LoraModule m : a.plan.loraModules().values()) {
            Linear[] ab = layers.get(m.name).matrices(a.name).orElseThrow();
            out.put(m.keyA(), ab[0].weight());
            out.put(m.keyB(), ab[1].weight());
            if (m.loraBias) {
                out.put(m.keyBBias(), ab[1].bias());
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ merging

    /**
     * Folds the active adapter into the layers' weights ({@code W + scaling * B A}) so the model
     * computes without the LoRA branch. Merged weights are new arrays; the base model's arrays are
     * never written. {@link #unmerge()} points the layers back at the originals exactly.
     */
    public PeftModel<M> merge() {
        checkOpen();
        if (merged) {
            return this;
        }
        if (disabledDepth > 0) {
            throw new PeftException("cannot merge while adapters are disabled");
        }
        for (LoraLayer layer : layers.values()) {
            layer.merge();
        }
        merged = true;
        return this;
    }

    /** Undoes {@link #merge()}: the layers use the original arrays again (bit for bit). */
    public PeftModel<M> unmerge() {
        checkOpen();
        for (LoraLayer layer : layers.values()) {
            layer.unmerge();
        }
        merged = false;
        return this;
    }

    public boolean isMerged() {
        return merged;
    }

    /**
     * Writes a standalone Hugging Face checkpoint of the adapted model with the active adapter
     * merged in ({@code config.json} + {@code model.safetensors}, same tensor names as the base
     * model): PEFT's {@code merge_and_unload()} followed by {@code save_pretrained}. The directory
     * appears complete or not at all. This model is left as it was (merged or not).
     */
    public void exportMerged(Path dir) throws IOException {
        exportMerged(dir, d -> {});
    }

    /**
     * As {@link #exportMerged(Path)}, with {@code alsoWrite} adding files (tokenizers, processor
     * config) to the new directory before it appears.
     */
    public void exportMerged(Path dir, AtomicFiles.IoConsumer<Path> alsoWrite) throws IOException {
        checkOpen();
        ModelConfig config = twin.config().or(base::config)
                .orElseThrow(() -> new PeftException("cannot export a merged model: " + base.getClass().getSimpleName() + " provides no config"));
        boolean wasMerged = merged;
        merge();
        try {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : twin.root().namedParameters().entrySet()) {
                if (parameterNames.contains(e.getKey())) {
                    tensors.put(e.getKey(), e.getValue().getArray());
                }
            }
            AtomicFiles.writeDirectory(dir, tmp -> {
                Configs.write(config, tmp);
                SafetensorsWriter.write(tmp.resolve(Checkpoint.SINGLE_FILE), tensors, Map.of("format", "pt"));
                alsoWrite.accept(tmp);
            });
        } finally {
            if (!wasMerged) {
                unmerge();
            }
        }
    }

    // ------------------------------------------------------------------ saving

    /**
     * Saves every adapter as PEFT's {@code save_pretrained} does: the adapter named
     * {@link #DEFAULT_ADAPTER} in {@code dir}, each other one in {@code dir/<name>}.
     */
    public void save(Path dir) throws IOException {
        checkOpen();
        for (String name : adapters.keySet()) {
            save(name.equals(DEFAULT_ADAPTER) ? dir : dir.resolve(name), name);
        }
    }

    /**
     * Saves one adapter in the Hugging Face PEFT layout: {@code adapter_config.json} and
     * {@code adapter_model.safetensors} with keys {@code base_model.model.<module>.lora_A.weight}
     * {@code [r, in]}, {@code .lora_B.weight} {@code [out, r]} (adapter name stripped) and
     * {@code base_model.model.<name>} for tensors trained in full. Written atomically.
     */
    public void save(Path dir, String adapter) throws IOException {
        checkOpen();
        Adapter a = adapters.get(adapter);
        if (a == null) {
            throw new PeftException("no adapter named '" + adapter + "'; adapters: " + adapters.keySet());
        }
        AdapterFiles.write(dir, a.plan.resolvedConfig(), adapterTensors(adapter));
    }

    /** An adapter's tensors under their file keys (the arrays themselves, not copies). */
    public Map<String, NDArray> adapterTensors(String adapter) {
        Adapter a = adapters.get(adapter);
        if (a == null) {
            throw new PeftException("no adapter named '" + adapter + "'; adapters: " + adapters.keySet());
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        loraParameters(a).forEach((k, p) -> out.put(k, p.getArray()));
        for (AdapterPlan.FullParameter f : a.plan.fullParameters().values()) {
            out.put(f.fileKey, a.copies.get(f.name));
        }
        return out;
    }

    /** An adapter's configuration as it is saved (component targets resolved to module names). */
    public LoraConfig config(String adapter) {
        Adapter a = adapters.get(adapter);
        if (a == null) {
            throw new PeftException("no adapter named '" + adapter + "'; adapters: " + adapters.keySet());
        }
        return a.plan.resolvedConfig();
    }

    /** The module names that carry LoRA for an adapter, in model order (PEFT's {@code targeted_module_names}). */
    public List<String> targetedModules(String adapter) {
        Adapter a = adapters.get(adapter);
        if (a == null) {
            throw new PeftException("no adapter named '" + adapter + "'; adapters: " + adapters.keySet());
        }
        return List.copyOf(a.plan.loraModules().keySet());
    }

    // ------------------------------------------------------------------ training

    /**
     * The active adapter's trainable tensors under their adapter-file names, in a fixed order
     * (LoRA A, B per module in model order, then tensors trained in full); printed, PEFT's
     * trainable-parameter report with a per-component table. Empty when no adapter trains.
     */
    @Override
    public TrainableParameters trainableParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        Adapter a = active == null ? null : adapters.get(active);
        if (a != null && a.trainable) {
            out.putAll(loraParameters(a));
            for (AdapterPlan.FullParameter f : a.plan.fullParameters().values()) {
                if (f.trains()) {
                    out.put(f.fileKey, twin.root().parameter(f.name));
                }
            }
        }
        return new TrainableParameters(out, parameterReport());
    }

    /** The trainable-parameter counts (structural: the same numbers {@code inspect} prints). */
    public ParameterReport parameterReport() {
        List<AdapterPlan> all = new ArrayList<>();
        AdapterPlan activePlan = null;
        for (Adapter a : adapters.values()) {
            all.add(a.plan);
            if (a.name.equals(active) && a.trainable) {
                activePlan = a.plan;
            }
        }
        return Reports.of(base.root().parameterCount(), all, activePlan);
    }

    @Override
    public NDArray loss(List<Prompt> batch, NDManager scope) {
        checkOpen();
        return twin.loss(twin.model(), batch, scope);
    }

    @Override
    public void setTraining(boolean training) {
        twin.root().setTraining(training);
    }

    /** Saves the active adapter in the PEFT layout (what the trainer checkpoints). */
    @Override
    public void saveTrainable(Path directory) throws IOException {
        if (active == null) {
            throw new PeftException("no active adapter to save");
        }
        save(directory, active);
    }

    /** Frees the adapters' arrays; the base model and its arrays are untouched. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (LoraLayer layer : layers.values()) {
            layer.unmerge();
        }
        merged = false;
        for (Adapter a : adapters.values()) {
            pointAtOriginals(a);
        }
        manager.close();
        if (ownedBase != null) {
            ownedBase.close();
        }
    }

    /**
     * An independent copy on {@code device} for data-parallel training: the base model's frozen
     * arrays copied to that device once, every adapter with its current values, the same active
     * adapter, names and trainable flags. Nothing is shared with this model, so a step on one copy
     * never changes the other. Close the copy to free what it copied.
     */
    @Override
    public PeftModel<M> replicate(dev.mmpeft.core.Device device) {
        checkOpen();
        if (merged || disabledDepth > 0) {
            throw new PeftException("cannot replicate a merged model or one with adapters disabled");
        }
        NDManager arrays = NDManager.newBaseManager(device.toDjl());
        PeftModel<M> copy = null;
        try {
            AdaptableModel<M> baseCopy = base.newStructure();
            for (Map.Entry<String, Parameter> e : baseCopy.root().namedParameters().entrySet()) {
                NDArray a = copyTo(shared.get(e.getKey()), device);
                a.attach(arrays);
                a.setRequiresGradient(false);
                e.getValue().setArray(a);
            }
            copy = new PeftModel<>(baseCopy, seed);
            copy.ownedBase = arrays;
            for (Adapter a : adapters.values()) {
                Adapter c = copy.create(a.name, a.plan, a.trainable);
                Map<String, NDArray> values = new LinkedHashMap<>();
                for (Map.Entry<String, NDArray> t : adapterTensors(a.name).entrySet()) {
                    NDArray v = copyTo(t.getValue(), device);
                    v.attach(copy.manager);
                    values.put(t.getKey(), v);
                }
                copy.install(c, values);
                c.loadReport = a.loadReport;
            }
            if (active != null) {
                copy.setActiveAdapter(active);
            }
            copy.setTraining(twin.root().isTraining());
            return copy;
        } catch (RuntimeException e) {
            if (copy != null) {
                copy.close();
            } else {
                arrays.close();
            }
            throw e;
        }
    }

    /** A copy with its own storage ({@code toDevice} on the same device may alias the source). */
    private static NDArray copyTo(NDArray source, dev.mmpeft.core.Device device) {
        return source.getDevice().equals(device.toDjl()) ? source.duplicate() : source.toDevice(device.toDjl(), true);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this PeftModel is closed");
        }
    }

    private static void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new PeftException("adapter name must be non-empty and contain no '.', got '" + name + "'");
        }
    }

    private static String difference(Set<String> a, Set<String> b) {
        Set<String> onlyA = new LinkedHashSet<>(a);
        onlyA.removeAll(b);
        Set<String> onlyB = new LinkedHashSet<>(b);
        onlyB.removeAll(a);
        return "only in base " + onlyA + ", only in new " + onlyB;
    }
}
