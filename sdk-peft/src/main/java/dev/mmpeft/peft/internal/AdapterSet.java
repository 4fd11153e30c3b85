package dev.mmpeft.peft.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.peft.AdaptableModel;
import dev.mmpeft.peft.LoadReport;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.spi.AdapterLayer;
import dev.mmpeft.peft.spi.AttachContext;
import dev.mmpeft.peft.spi.Attachment;
import dev.mmpeft.peft.spi.FullTensor;
import dev.mmpeft.peft.spi.RowRoutes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named adapters of any method on one adapted model: a twin structure of the base model whose
 * frozen parameters share the base model's arrays, the layers methods attached to it, which adapter
 * is active, disabling, merging, and the copies of tensors trained in full. Method-neutral: methods
 * are reached only through their plans, attachments and {@link AdapterLayer}s.
 */
public final class AdapterSet<M> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdapterSet.class);

    private final AdaptableModel<M> base;
    private final AdaptableModel<M> twin;
    private final SharedWeights weights;
    private final NDManager manager;
    private final long seed;
    private final Map<String, LayerEntry> layers = new LinkedHashMap<>();
    private final Map<String, Adapter> adapters = new LinkedHashMap<>();
    private @Nullable String active;
    private int disabledDepth;
    private boolean merged;
    private boolean routing;

    /** A layer a method attached to a module, with the method it belongs to. */
    private record LayerEntry(String module, String method, AdapterLayer layer) {}

    /** One named adapter's state. */
    private static final class Adapter {
        final String name;
        final AdapterPlan plan;
        final Attachment attachment;
        /** Copies of tensors trained in full, by parameter name. */
        final Map<String, NDArray> copies = new LinkedHashMap<>();
        /** The keys of the layers it has parts in. */
        final Set<String> layerKeys = new LinkedHashSet<>();
        boolean trainable;
        @Nullable LoadReport loadReport;

        Adapter(String name, AdapterPlan plan, Attachment attachment, boolean trainable) {
            this.name = name;
            this.plan = plan;
            this.attachment = attachment;
            this.trainable = trainable;
        }
    }

    public AdapterSet(AdaptableModel<M> base, long seed) {
        this.base = base;
        this.seed = seed;
        this.twin = base.newStructure();
        this.weights = new SharedWeights(base.root(), twin.root());
        this.manager = weights.newManager();
    }

    public AdaptableModel<M> base() {
        return base;
    }

    public AdaptableModel<M> twin() {
        return twin;
    }

    public SharedWeights weights() {
        return weights;
    }

    public long seed() {
        return seed;
    }

    // ------------------------------------------------------------------ adding

    /** Adds an adapter of a plan, initialised from the seed; the first one becomes active. */
    public void add(String name, AdapterPlan plan, boolean trainable) {
        checkName(name);
        if (adapters.containsKey(name)) {
            throw new PeftException("an adapter named '" + name + "' already exists; delete it first or choose another name");
        }
        if (merged) {
            throw new PeftException("cannot add adapter '" + name + "' while adapters are merged; unmerge first");
        }
        checkNotRouting("add adapter '" + name + "'");
        if (trainsBiases(plan)) {
            for (Adapter other : adapters.values()) {
                if (trainsBiases(other.plan)) {
                    // PEFT: "supports only 1 adapter with bias"
                    throw new PeftException("only one adapter may train biases; adapter '" + other.name + "' already trains "
                            + other.plan.fullTensors().values().stream().filter(f -> f.kind().equals("bias")).count() + " biases");
                }
            }
        }
        Attachment attachment;
        List<NDArray> copies = new ArrayList<>();
        Set<String> layerKeys = new LinkedHashSet<>();
        try (NDManager created = manager.newSubManager()) {
            attachment = plan.method().attach(plan.methodPlan(), context(name, plan.method().label(), created, layerKeys));
            Adapter a = new Adapter(name, plan, attachment, trainable);
            a.layerKeys.addAll(layerKeys);
            for (FullTensor f : plan.fullTensors().values()) {
                NDArray copy = ParameterArrays.copy(weights.shared(f.name()), created);
                copy.setRequiresGradient(false);
                a.copies.put(f.name(), copy);
                copies.add(copy);
            }
            // everything attach and the copies made is the adapter's from now on
            attachment.parameters().values().forEach(p -> twin.root().parameter(p).getArray().attach(manager));
            copies.forEach(c -> c.attach(manager));
            adapters.put(name, a);
        } catch (RuntimeException e) {
            layers.values().forEach(l -> l.layer().remove(name));
            dropEmptyLayers();
            throw e;
        }
        if (active == null) {
            setActive(name);
        }
    }

    /** Loads an adapter directory under {@code name} for a plan made from its config. */
    public LoadReport load(Path dir, String name, AdapterPlan planned, boolean trainable) {
        checkName(name);
        AdapterLoading.Result r = AdapterLoading.read(dir, planned, base.root().parameterShapes(), manager);
        try {
            add(name, r.plan(), trainable);
        } catch (RuntimeException e) {
            r.arrays().values().forEach(NDArray::close);
            throw e;
        }
        Adapter a = adapters.get(name);
        install(a, new LinkedHashMap<>(r.arrays()));
        if (!r.missing().isEmpty() || !r.unexpected().isEmpty()) {
            LOG.warn("adapter {} loaded from {}: {} missing tensors {}, {} unexpected tensors {}",
                    name, dir, r.missing().size(), r.missing(), r.unexpected().size(), r.unexpected());
        }
        a.loadReport = LoadReport.builder().source(dir).adapter(name).missing(r.missing()).unexpected(r.unexpected())
                .loaded(r.arrays().size()).build();
        return a.loadReport;
    }

    /** Replaces an adapter's arrays with {@code values} (by file key; missing keys keep theirs) and frees the old ones. */
    public void install(String name, Map<String, NDArray> values) {
        install(adapter(name), new LinkedHashMap<>(values));
    }

    private void install(Adapter a, Map<String, NDArray> values) {
        for (Map.Entry<String, String> e : a.attachment.parameters().entrySet()) {
            NDArray value = values.remove(e.getKey());
            if (value != null) {
                Parameter p = twin.root().parameter(e.getValue());
                NDArray old = p.getArray();
                boolean grad = p.requiresGradient();
                if (value.hasGradient() != grad) {
                    value.setRequiresGradient(grad);
                }
                twin.root().replaceArray(e.getValue(), value, grad);
                old.close();
            }
        }
        for (FullTensor f : a.plan.fullTensors().values()) {
            NDArray value = values.remove(f.fileKey());
            if (value != null) {
                NDArray old = a.copies.put(f.name(), value);
                if (old != null) {
                    old.close();
                }
            }
        }
        values.values().forEach(NDArray::close);
        refreshGradients();
        if (a.name.equals(active) && disabledDepth == 0) {
            pointAtCopies(a);
        }
    }

    private static boolean trainsBiases(AdapterPlan plan) {
        return plan.fullTensors().values().stream().anyMatch(f -> f.kind().equals("bias"));
    }

    private AttachContext context(String adapter, String method, NDManager arrays, Set<String> layerKeys) {
        return new LayerContext(adapter, seed, arrays, twin.root(), new LayerContext.Layers() {
            @Override
            public <L extends AdapterLayer> L layerFor(String module, Class<L> type, Function<HfBlock, L> create) {
                return AdapterSet.this.layerFor(module, method, type, create);
            }
        }, layerKeys);
    }

    private <L extends AdapterLayer> L layerFor(String module, String method, Class<L> type, Function<HfBlock, L> create) {
        String key = LayerContext.key(module, type);
        LayerEntry existing = layers.get(key);
        if (existing != null) {
            return type.cast(existing.layer());
        }
        for (LayerEntry other : layers.values()) {
            if (other.module().equals(module) && !other.layer().combinesWith(type)) {
                throw new PeftException("module '" + module + "' already carries a " + other.method() + " adapter; "
                        + method + " cannot be combined with it on the same module");
            }
        }
        L layer = create.apply(twin.root().module(module)
                .orElseThrow(() -> new PeftException("the model has no module '" + module + "'")));
        layers.put(key, new LayerEntry(module, method, layer));
        layer.setActive(active == null ? List.of() : List.of(active));
        layer.setDisabled(disabledDepth > 0);
        return layer;
    }

    // ------------------------------------------------------------------ choosing

    /** The named extra loss terms the layers report from the last training loss (see {@link AdapterLayer#lossTerms()}). */
    public Map<String, Double> lossTerms() {
        Map<String, Double> out = new LinkedHashMap<>();
        layers.values().forEach(l -> out.putAll(l.layer().lossTerms()));
        return out;
    }

    /** Makes {@code name} the adapter in use and the only trainable one (unless it was loaded frozen). */
    public void setActive(String name) {
        Adapter next = adapter(name);
        if (merged) {
            throw new PeftException("cannot switch adapters while merged; unmerge first");
        }
        checkNotRouting("switch to adapter '" + name + "'");
        Adapter previous = active == null ? null : adapters.get(active);
        if (previous != null) {
            pointAtOriginals(previous);
        }
        active = name;
        layers.values().forEach(l -> l.layer().setActive(List.of(name)));
        if (disabledDepth == 0) {
            pointAtCopies(next);
        }
        refreshGradients();
    }

    public Optional<String> active() {
        return Optional.ofNullable(active);
    }

    public Set<String> names() {
        return new LinkedHashSet<>(adapters.keySet());
    }

    public void setTrainable(String name, boolean trainable) {
        adapter(name).trainable = trainable;
        refreshGradients();
    }

    /** Deletes an adapter and frees its arrays; deleting the active one activates the first remaining (by name, as PEFT). */
    public void delete(String name) {
        Adapter a = adapter(name);
        if (merged) {
            throw new PeftException("cannot delete adapter '" + name + "' while merged; unmerge first");
        }
        checkNotRouting("delete adapter '" + name + "'");
        if (name.equals(active)) {
            pointAtOriginals(a);
            active = null;
        }
        a.attachment.parameters().values().forEach(p -> twin.root().parameter(p).getArray().close());
        layers.values().forEach(l -> l.layer().remove(name));
        dropEmptyLayers();
        a.copies.values().forEach(NDArray::close);
        adapters.remove(name);
        if (active == null && !adapters.isEmpty()) {
            setActive(new TreeMap<>(adapters).firstKey());
        }
        refreshGradients();
    }

    private void dropEmptyLayers() {
        layers.values().removeIf(l -> {
            if (l.layer().isEmpty()) {
                l.layer().detach();
                return true;
            }
            return false;
        });
    }

    /** Turns every adapter off (the base computation) until {@link #enable()}; nests. */
    public void disable() {
        if (merged) {
            throw new PeftException("cannot disable adapters while merged; unmerge first");
        }
        if (disabledDepth++ == 0) {
            layers.values().forEach(l -> l.layer().setDisabled(true));
            if (active != null) {
                pointAtOriginals(adapters.get(active));
            }
        }
    }

    public void enable() {
        if (disabledDepth == 0) {
            return;
        }
        if (--disabledDepth == 0) {
            layers.values().forEach(l -> l.layer().setDisabled(false));
            if (active != null) {
                pointAtCopies(adapters.get(active));
            }
        }
    }

    public boolean disabled() {
        return disabledDepth > 0;
    }

    private void pointAtCopies(Adapter a) {
        for (Map.Entry<String, NDArray> e : a.copies.entrySet()) {
            twin.root().replaceArray(e.getKey(), e.getValue(), a.trainable && trains(a, e.getKey()));
        }
    }

    private static boolean trains(Adapter a, String parameter) {
        FullTensor f = a.plan.fullTensors().get(parameter);
        return f != null && f.trains();
    }

    private void pointAtOriginals(Adapter a) {
        for (String name : a.copies.keySet()) {
            twin.root().replaceArray(name, weights.shared(name), false);
        }
    }

    /** Only the active, trainable adapter's arrays require gradients. */
    private void refreshGradients() {
        for (Adapter a : adapters.values()) {
            boolean on = a.trainable && a.name.equals(active);
            for (String name : a.attachment.parameters().values()) {
                Parameter p = twin.root().parameter(name);
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

    // ------------------------------------------------------------------ routing rows

    /** Whether an adapter can share a batch with others ({@link #route}): its layers compute row by row, it trains no tensor in full. */
    public boolean routesRows(String name) {
        return whyNotRouted(adapter(name)) == null;
    }

    private @Nullable String whyNotRouted(Adapter a) {
        if (!a.copies.isEmpty()) {
            return "it trains " + a.copies.size() + " tensors in full (modules_to_save: " + a.copies.keySet() + ")";
        }
        for (String key : a.layerKeys) {
            LayerEntry l = layers.get(key);
            if (l != null && !l.layer().routesRows()) {
                return l.method() + " on '" + l.module() + "' does not compute row by row";
            }
        }
        return null;
    }

    /**
     * Computes each example with the adapter {@code routes} gives it (none: the base model), whatever
     * the active adapter, until the returned action runs. A batch of one adapter may use any adapter;
     * a mixed batch only adapters that {@link #routesRows route rows}.
     *
     * @throws PeftException naming the adapter and the reason when the batch cannot be routed
     */
    public Runnable route(RowRoutes routes) {
        if (merged || disabledDepth > 0) {
            throw new PeftException("cannot route rows while adapters are " + (merged ? "merged" : "disabled"));
        }
        checkNotRouting("route rows");
        String only = routes.uniform().flatMap(u -> u).orElse(null);
        for (String name : routes.adapters()) {
            String why = whyNotRouted(adapter(name));
            if (only == null && why != null) {
                throw new PeftException("adapter '" + name + "' cannot share a batch with other adapters: " + why
                        + "; serve it in batches of its own");
            }
        }
        Adapter current = active == null ? null : adapters.get(active);
        Adapter solo = only == null ? null : adapters.get(only);
        swapCopies(current, solo);
        routeLayers(routes, solo == null ? List.of() : List.of(solo.name));
        routing = true;
        return () -> {
            routeLayers(null, active == null ? List.of() : List.of(active));
            swapCopies(solo, current);
            routing = false;
        };
    }

    /**
     * While rows are routed, the routable layers follow {@code routes} from now on: the batch
     * shrank (greedy decoding dropped its finished rows), the adapters did not change.
     */
    public void reroute(RowRoutes routes) {
        if (!routing) {
            throw new PeftException("cannot narrow row routes: rows are not routed");
        }
        for (LayerEntry l : layers.values()) {
            if (l.layer().routesRows()) {
                l.layer().route(routes);
            }
        }
    }

    /** Routable layers follow {@code routes}; the others compute {@code others} (when routes are set) or the active adapter. */
    private void routeLayers(@Nullable RowRoutes routes, List<String> others) {
        for (LayerEntry l : layers.values()) {
            if (l.layer().routesRows()) {
                l.layer().route(routes);
            } else {
                l.layer().setActive(others);
            }
        }
    }

    private void swapCopies(@Nullable Adapter from, @Nullable Adapter to) {
        if (from != null) {
            pointAtOriginals(from);
        }
        if (to != null) {
            pointAtCopies(to);
        }
    }

    private void checkNotRouting(String what) {
        if (routing) {
            throw new PeftException("cannot " + what + " while rows are routed; close the routing first");
        }
    }

    // ------------------------------------------------------------------ merging

    /** Folds the active adapter into new weight arrays; the base arrays are never written. */
    public void merge() {
        if (merged) {
            return;
        }
        if (disabledDepth > 0) {
            throw new PeftException("cannot merge while adapters are disabled");
        }
        checkNotRouting("merge");
        for (LayerEntry l : layers.values()) {
            if (!l.layer().canMerge()) {
                throw new PeftException("cannot merge: " + l.method() + " on '" + l.module() + "' does not fold into the base weights");
            }
        }
        layers.values().forEach(l -> l.layer().merge());
        merged = true;
    }

    /** Points every layer back at its original arrays (bit for bit). */
    public void unmerge() {
        layers.values().forEach(l -> l.layer().unmerge());
        merged = false;
    }

    public boolean merged() {
        return merged;
    }

    // ------------------------------------------------------------------ reading

    public AdapterPlan plan(String name) {
        return adapter(name).plan;
    }

    public boolean trainable(String name) {
        return adapter(name).trainable;
    }

    public Optional<LoadReport> loadReport(String name) {
        return Optional.ofNullable(adapter(name).loadReport);
    }

    /** An adapter's tensors under their file keys (the arrays themselves, not copies). */
    public Map<String, NDArray> tensors(String name) {
        Adapter a = adapter(name);
        Map<String, NDArray> out = new LinkedHashMap<>();
        a.attachment.parameters().forEach((k, p) -> out.put(k, twin.root().parameter(p).getArray()));
        for (FullTensor f : a.plan.fullTensors().values()) {
            out.put(f.fileKey(), a.copies.get(f.name()));
        }
        return out;
    }

    /**
     * An adapter's tensors as its file holds them ({@link dev.mmpeft.peft.spi.PeftMethod#savedTensors}):
     * the arrays themselves, or, for a method whose saved form is computed (prefix tuning's
     * reparameterisation), new arrays owned by {@code scope}.
     */
    public Map<String, NDArray> savedTensors(String name, NDManager scope) {
        Adapter a = adapter(name);
        return a.plan.method().savedTensors(a.plan.methodPlan(), tensors(name), scope);
    }

    /** The active, trainable adapter's trainable parameters under their file keys (empty when none trains). */
    public Map<String, Parameter> trainableParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        Adapter a = active == null ? null : adapters.get(active);
        if (a != null && a.trainable) {
            a.attachment.parameters().forEach((k, p) -> out.put(k, twin.root().parameter(p)));
            for (FullTensor f : a.plan.fullTensors().values()) {
                if (f.trains()) {
                    out.put(f.fileKey(), twin.root().parameter(f.name()));
                }
            }
        }
        return out;
    }

    /** Every adapter's plan, and the active trainable one's, for the parameter report. */
    public List<AdapterPlan> plans() {
        List<AdapterPlan> out = new ArrayList<>();
        adapters.values().forEach(a -> out.add(a.plan));
        return out;
    }

    public Optional<AdapterPlan> trainingPlan() {
        Adapter a = active == null ? null : adapters.get(active);
        return a != null && a.trainable ? Optional.of(a.plan) : Optional.empty();
    }

    private Adapter adapter(String name) {
        Adapter a = adapters.get(name);
        if (a == null) {
            throw new PeftException("no adapter named '" + name + "'; adapters: " + adapters.keySet());
        }
        return a;
    }

    private static void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new PeftException("adapter name must be non-empty and contain no '.', got '" + name + "'");
        }
    }

    /**
     * An independent copy on {@code device} for data-parallel training: the base model's frozen
     * arrays copied there once, every adapter with its current values, the same active adapter,
     * names and trainable flags. Nothing is shared with this set.
     */
    public AdapterSet<M> replicate(dev.mmpeft.core.Device device) {
        if (merged || disabledDepth > 0) {
            throw new PeftException("cannot replicate a merged model or one with adapters disabled");
        }
        SharedWeights.Copy<M> arrays = weights.copyTo(base, device);
        AdapterSet<M> copy;
        try {
            copy = new AdapterSet<>(arrays.model(), seed);
        } catch (RuntimeException e) {
            arrays.arrays().close();
            throw e;
        }
        copy.weights.own(arrays.arrays());
        try {
            for (Adapter a : adapters.values()) {
                copy.add(a.name, a.plan, a.trainable);
                Map<String, NDArray> values = new LinkedHashMap<>();
                tensors(a.name).forEach((k, v) -> values.put(k, SharedWeights.copyTo(v, device, copy.manager)));
                copy.install(a.name, values);
                copy.adapters.get(a.name).loadReport = a.loadReport;
            }
            if (active != null) {
                copy.setActive(active);
            }
            copy.twin.root().setTraining(twin.root().isTraining());
            return copy;
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    /** Frees the adapters' arrays; the base model and its arrays are untouched. */
    @Override
    public void close() {
        layers.values().forEach(l -> l.layer().unmerge());
        merged = false;
        adapters.values().forEach(this::pointAtOriginals);
        manager.close();
        weights.close();
    }
}
