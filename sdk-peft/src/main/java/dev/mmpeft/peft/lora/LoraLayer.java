package dev.mmpeft.peft.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.LinearAdapter;
import dev.mmpeft.models.nn.Scalars;
import dev.mmpeft.peft.spi.AdapterBlock;
import dev.mmpeft.peft.spi.LinearAdapterLayer;
import dev.mmpeft.peft.spi.RowGroups;
import dev.mmpeft.peft.spi.RowRoutes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * LoRA on one {@link Linear}, as PEFT's {@code lora.Linear}:
 * {@code y = base(x) + sum over active adapters of lora_B(lora_A(dropout(x))) * scaling}; an adapter
 * with DoRA also has a magnitude vector and computes as {@link Dora} describes.
 *
 * <p>The matrices live in two child blocks of the layer named {@code lora_A} and {@code lora_B},
 * each holding one {@code nn.Linear} per adapter, so in-memory parameter names are PEFT's:
 * {@code <module>.lora_A.<adapter>.weight} {@code [r, in]} and {@code <module>.lora_B.<adapter>.weight}
 * {@code [out, r]}, and DoRA's {@code <module>.lora_magnitude_vector.<adapter>.weight} {@code [out]}.
 * {@code lora_A} does the computing; the other containers only hold parameters.
 *
 * <p>Merging points the layer's weight at a new array {@code W + sum(scaling * B A)}; unmerging
 * points it back at the original array, so the base model's shared arrays are never written.
 */
final class LoraLayer implements LinearAdapterLayer {
    private final String moduleName;
    private final Linear base;
    private final Dict loraA = new Dict(true);
    private final Dict loraB = new Dict(false);
    private final Dict magnitudes = new Dict(false);
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private List<String> active = List.of();
    private @Nullable RowRoutes routes;
    private @Nullable Stacked stacked;
    private boolean disabled;
    private @Nullable NDArray originalWeight;
    private @Nullable NDArray originalBias;
    private @Nullable NDArray mergedWeight;
    private @Nullable NDArray mergedBias;

    /** Per-adapter settings of this layer. */
    private static final class Slot {
        final int r;
        final double alpha;
        final double scaling;
        final double dropout;
        final Linear a;
        final Linear b;
        final Dora.@Nullable Magnitude magnitude;

        Slot(int r, double alpha, double scaling, double dropout, Linear a, Linear b, Dora.@Nullable Magnitude magnitude) {
            this.r = r;
            this.alpha = alpha;
            this.scaling = scaling;
            this.dropout = dropout;
            this.a = a;
            this.b = b;
            this.magnitude = magnitude;
        }
    }

    /** Attaches empty {@code lora_A}/{@code lora_B} containers to {@code base}. */
    LoraLayer(String moduleName, Linear base) {
        this.moduleName = moduleName;
        this.base = base;
        base.attach("lora_A", loraA);
        base.attach("lora_B", loraB);
        base.attach("lora_magnitude_vector", magnitudes);
    }

    public String moduleName() {
        return moduleName;
    }

    public Linear base() {
        return base;
    }

    /**
     * Adds an adapter's matrices, and with {@code dora} its magnitude vector (parameters declared,
     * arrays set by the caller).
     *
     * @return the {@code nn.Linear} blocks holding A {@code [r, in]} and B {@code [out, r]}
     */
    public Linear[] add(String adapter, int r, double alpha, double scaling, double dropout, boolean loraBias, boolean dora) {
        if (slots.containsKey(adapter)) {
            throw new IllegalStateException(moduleName + " already has an adapter named '" + adapter + "'");
        }
        Linear a = new Linear(base.inFeatures(), r, false);
        Linear b = new Linear(r, base.outFeatures(), loraBias);
        loraA.put(adapter, a);
        loraB.put(adapter, b);
        a.setTraining(loraA.isTraining());
        b.setTraining(loraA.isTraining());
        Dora.Magnitude magnitude = dora ? magnitudes.put(adapter, new Dora.Magnitude(base.outFeatures())) : null;
        slots.put(adapter, new Slot(r, alpha, scaling, dropout, a, b, magnitude));
        return new Linear[] {a, b};
    }

    /** Removes an adapter's matrices (the caller closes their arrays). */
    @Override
    public void remove(String adapter) {
        dropStacked();
        if (slots.remove(adapter) != null) {
            loraA.drop(adapter);
            loraB.drop(adapter);
            magnitudes.drop(adapter);
            List<String> rest = new ArrayList<>(active);
            rest.remove(adapter);
            active = List.copyOf(rest);
        }
    }

    /** Whether no adapter is left (the containers can be detached). */
    @Override
    public boolean isEmpty() {
        return slots.isEmpty();
    }

    /** Detaches the containers from the base layer. */
    @Override
    public void detach() {
        base.detach("lora_A");
        base.detach("lora_B");
        base.detach("lora_magnitude_vector");
    }

    public boolean has(String adapter) {
        return slots.containsKey(adapter);
    }

    /** The adapters in use, in order (PEFT's active adapters of this layer). */
    @Override
    public void setActive(List<String> adapters) {
        List<String> present = new ArrayList<>();
        for (String a : adapters) {
            if (slots.containsKey(a)) {
                present.add(a);
            }
        }
        active = List.copyOf(present);
    }

    public List<String> active() {
        return Collections.unmodifiableList(active);
    }

    /** Turns every adapter of this layer off (base output only) or back on. */
    @Override
    public void setDisabled(boolean disabled) {
        this.disabled = disabled;
    }

    /** The A and B blocks of an adapter. */
    public Optional<Linear[]> matrices(String adapter) {
        Slot s = slots.get(adapter);
        return s == null ? Optional.empty() : Optional.of(new Linear[] {s.a, s.b});
    }

    /** DoRA's magnitude vector block of an adapter, when it uses DoRA. */
    Optional<Dora.Magnitude> magnitude(String adapter) {
        Slot s = slots.get(adapter);
        return s == null ? Optional.empty() : Optional.ofNullable(s.magnitude);
    }

    /** The scaling of an adapter on this layer. */
    public double scaling(String adapter) {
        return slots.get(adapter).scaling;
    }

    public boolean isMerged() {
        return mergedWeight != null;
    }

    @Override
    public boolean canMerge() {
        return true;
    }

    /**
     * Points the layer's weight (and bias, for adapters with a lora_B bias) at new arrays with the
     * active adapters folded in one after the other as PEFT merges them: {@code W + scaling * B @ A},
     * or with DoRA {@code (m / ||W + scaling B A||) (W + scaling B A)}. The original arrays are kept
     * and never written.
     */
    @Override
    public void merge() {
        if (isMerged() || active.isEmpty()) {
            return;
        }
        Parameter w = base.weight();
        NDArray weight = w.getArray();
        NDArray merged = null;
        NDArray biasDelta = null;
        for (String name : active) {
            Slot s = slots.get(name);
            NDArray current = merged == null ? weight : merged;
            if (s.magnitude != null) {
                merged = Dora.merge(current, merged, s.a, s.b, s.magnitude, s.scaling);
            } else {
                // B @ A in the adapter's manager (first operand), so nothing lands in the base model's manager
                NDArray d = s.b.weight().getArray().matMul(s.a.weight().getArray()).muli(s.scaling);
                merged = merged == null ? d.addi(weight) : merged.addi(d);
                if (d != merged) {
                    d.close();
                }
            }
            Parameter bb = s.b.bias();
            if (bb != null) {
                NDArray db = bb.getArray().mul(s.scaling);
                biasDelta = biasDelta == null ? db : biasDelta.addi(db);
            }
        }
        merged.setRequiresGradient(false);
        originalWeight = weight;
        mergedWeight = merged;
        base.replaceArray("weight", merged, false);
        Parameter b = base.bias();
        if (biasDelta != null) {
            if (b == null) {
                biasDelta.close();
                throw new IllegalStateException(
                        "cannot merge " + moduleName + ": an adapter has a lora_B bias but the layer has no bias");
            }
            NDArray mb = biasDelta.addi(b.getArray());
            originalBias = b.getArray();
            mergedBias = mb;
            base.replaceArray("bias", mb, b.requiresGradient());
        }
    }

    /** Points the layer back at its original arrays and frees the merged ones. */
    @Override
    public void unmerge() {
        if (!isMerged()) {
            return;
        }
        base.replaceArray("weight", originalWeight, false);
        mergedWeight.close();
        mergedWeight = null;
        originalWeight = null;
        if (mergedBias != null) {
            base.replaceArray("bias", originalBias, base.bias().requiresGradient());
            mergedBias.close();
            mergedBias = null;
            originalBias = null;
        }
    }

    /** The layer's output for input {@code x} given the base output {@code y}. */
    NDArray adapt(NDArray x, NDArray y) {
        if (disabled || isMerged()) {
            return y;
        }
        if (routes != null) {
            NDArray all = stackedAdapt(routes, x, y);
            return all != null ? all : RowGroups.apply(routes, slots::containsKey, x, y, this::adaptOne);
        }
        NDArray out = y;
        for (String name : active) {
            out = adaptOne(name, x, out);
        }
        return out;
    }

    /** {@code y} plus one adapter's branch (or DoRA's output from it). */
    private NDArray adaptOne(String name, NDArray x, NDArray y) {
        Slot s = slots.get(name);
        boolean training = loraA.isTraining();
        if (s.magnitude != null) {
            return Dora.forward(x, y, base, s.a, s.b, s.magnitude, s.scaling, s.dropout, training);
        }
        // nn.Dropout(p) in training mode, nn.Identity otherwise (PEFT uses Identity for p = 0)
        NDArray in = s.dropout > 0 && training ? Dropout.dropout(x, (float) s.dropout, true).singletonOrThrow() : x;
        NDArray ax = s.a.forward(in);
        if (s.b.bias() != null) {
            // PEFT scales lora_B's output, its bias included
            NDArray ba = s.b.forward(ax);
            // an engine-owned scalar: autograd saves it, and DJL's mul(Number) scalar can be freed before backward
            return y.add(ba.mul(Scalars.of(ba, (float) s.scaling)));
        }
        // B (s * A x) = s * B A x: scaling the r-wide activation instead of the out-wide one saves a
        // pass over the layer's whole output per adapted layer (exact for the power-of-two scalings
        // alpha / r of the usual settings; otherwise a rounding apart). Adding in place saves another
        // and an output-sized allocation: y is the base linear's fresh output, which its backward
        // does not read (autograd would refuse the backward, loudly, if an op before needed it).
        // Measured with ./mmpeft bench (LoRA r=2): the forward went from 9% (0.0-0.11 s per pair)
        // to 3% over the same model with adapters disabled, peak RSS 1,115 -> 1,020 MB.
        return y.addi(s.b.forward(ax.mul(Scalars.of(ax, (float) s.scaling))));
    }

    @Override
    public boolean routesRows() {
        return true;
    }

    @Override
    public void route(@Nullable RowRoutes newRoutes) {
        dropStacked();
        this.routes = newRoutes;
    }

    private void dropStacked() {
        if (stacked != null) {
            stacked.manager.close();
            stacked = null;
        }
    }

    /**
     * Every row's LoRA branch in two matrix products for the whole batch, when the batch mixes
     * adapters: {@code x} times the routed adapters' {@code A} matrices concatenated by rank
     * ({@code [sum of ranks, in]}), times a per-row mask that holds the row's adapter's scaling in
     * that adapter's rank columns and zero elsewhere, times their {@code B} matrices concatenated
     * ({@code [out, sum of ranks]}). A row's other adapters' columns are exact zeros, so each row
     * gets its own adapter's {@code scaling * B A x} (a row without an adapter of this layer gets
     * zero and keeps the base output). Why: gathering, computing and scattering one group per
     * adapter costs a dozen small operations per layer and decoding step, more than the branch
     * itself on small models; this costs four plain ones (the concatenations and masks are made
     * once per batch). Null when the batch needs the group path: training (dropout, gradients),
     * DoRA, a {@code lora_B} bias, or one adapter for every row.
     */
    private @Nullable NDArray stackedAdapt(RowRoutes r, NDArray x, NDArray y) {
        if (loraA.isTraining() || r.uniform().isPresent() || x.getShape().dimension() < 2) {
            return null;
        }
        if (stacked == null) {
            List<String> names = new ArrayList<>();
            for (String a : r.adapters()) {
                Slot s = slots.get(a);
                if (s != null) {
                    if (s.magnitude != null || s.b.bias() != null) {
                        return null;
                    }
                    names.add(a);
                }
            }
            if (names.isEmpty()) {
                return null;
            }
            stacked = new Stacked(names);
        }
        NDArray mask = stacked.mask(r, x.getShape());
        NDArray h = ai.djl.nn.core.Linear.linear(x, stacked.a).singletonOrThrow().mul(mask);
        return y.add(ai.djl.nn.core.Linear.linear(h, stacked.b).singletonOrThrow());
    }

    /** The routed adapters' matrices of one batch, concatenated, and the row masks (freed when routing ends). */
    private final class Stacked {
        final NDManager manager;
        final List<String> names;
        final NDArray a;
        final NDArray b;
        final Map<Shape, NDArray> masks = new HashMap<>();

        Stacked(List<String> names) {
            this.names = names;
            this.manager = slots.get(names.get(0)).a.weight().getArray().getManager().newSubManager();
            NDList as = new NDList();
            NDList bs = new NDList();
            for (String n : names) {
                as.add(slots.get(n).a.weight().getArray()); // [r, in]
                bs.add(slots.get(n).b.weight().getArray()); // [out, r]
            }
            this.a = own(NDArrays.concat(as, 0)); // [sum of ranks, in]
            this.b = own(NDArrays.concat(bs, 1)); // [out, sum of ranks]
        }

        private NDArray own(NDArray array) {
            array.attach(manager);
            return array;
        }

        /** {@code [rows, 1, ..., sum of ranks]}: each row's adapter's scaling in its columns, zero elsewhere. */
        NDArray mask(RowRoutes r, Shape input) {
            return masks.computeIfAbsent(input, shape -> {
                long rows = shape.get(0);
                long[] slot = r.slotPerRow(names, rows);
                int width = names.stream().mapToInt(n -> slots.get(n).r).sum();
                float[] values = new float[(int) rows * width];
                for (int row = 0; row < rows; row++) {
                    if (slot[row] < names.size()) {
                        int from = 0;
                        for (int k = 0; k < slot[row]; k++) {
                            from += slots.get(names.get(k)).r;
                        }
                        Slot s = slots.get(names.get((int) slot[row]));
                        Arrays.fill(values, row * width + from, row * width + from + s.r, (float) s.scaling);
                    }
                }
                long[] dims = new long[shape.dimension()];
                Arrays.fill(dims, 1);
                dims[0] = rows;
                dims[dims.length - 1] = width;
                return manager.create(values, new Shape(dims)).toType(a.getDataType(), false);
            });
        }
    }

    private boolean applies() {
        if (disabled || isMerged()) {
            return false;
        }
        return routes == null ? !active.isEmpty() : routes.adapters().stream().anyMatch(slots::containsKey);
    }

    /** PEFT's {@code ModuleDict} of per-adapter linear layers; the {@code lora_A} one computes. */
    private final class Dict extends HfBlock implements LinearAdapter, AdapterBlock {
        private final boolean computes;

        Dict(boolean computes) {
            this.computes = computes;
        }

        <B extends HfBlock> B put(String adapter, B block) {
            return child(adapter, block);
        }

        void drop(String adapter) {
            removeChild(adapter);
        }

        @Override
        public NDArray adapt(NDArray input, NDArray output) {
            return computes ? LoraLayer.this.adapt(input, output) : output;
        }

        @Override
        public boolean isActive() {
            return computes && applies();
        }
    }
}
