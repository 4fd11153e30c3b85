package dev.mmpeft.peft.ia3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.LinearAdapter;
import dev.mmpeft.peft.spi.AdapterBlock;
import dev.mmpeft.peft.spi.LinearAdapterLayer;
import dev.mmpeft.peft.spi.RowGroups;
import dev.mmpeft.peft.spi.RowRoutes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * IA3 on one {@link Linear}, as PEFT's {@code ia3.Linear}: with {@code l} the product of the active
 * adapters' vectors, an attention layer computes {@code base(x) * l} (bias included) and a
 * feed-forward layer {@code base(x * l)}.
 *
 * <p>The vectors are the parameters of one child block named {@code ia3_l}, one per adapter and
 * named by it, so in-memory names are PEFT's ({@code <module>.ia3_l.<adapter>}, PEFT's
 * ParameterDict). Blocks cannot drop a declared parameter, so adding or removing an adapter puts a
 * new {@code ia3_l} block in place holding the same arrays.
 *
 * <p>Merging points the layer at new arrays {@code W * l} (rows scaled for attention, with the bias;
 * columns for feed-forward, bias unchanged), as PEFT's merge computes them; unmerging points it back
 * at the originals, bit for bit (PEFT divides, which is inexact).
 */
final class Ia3Layer implements LinearAdapterLayer {
    static final String CONTAINER = "ia3_l";

    private final String moduleName;
    private final Linear base;
    private final boolean feedforward;
    private final List<String> adapters = new ArrayList<>();
    private Vectors vectors;
    private List<String> active = List.of();
    private @Nullable RowRoutes routes;
    private @Nullable NDManager stackedManager;
    private final Map<Long, NDArray> stackedByRows = new HashMap<>();
    private boolean disabled;
    private @Nullable NDArray originalWeight;
    private @Nullable NDArray originalBias;
    private @Nullable NDArray mergedWeight;
    private @Nullable NDArray mergedBias;

    Ia3Layer(String moduleName, Linear base, boolean feedforward) {
        this.moduleName = moduleName;
        this.base = base;
        this.feedforward = feedforward;
        this.vectors = new Vectors(List.of());
        base.attach(CONTAINER, vectors);
    }

    boolean feedforward() {
        return feedforward;
    }

    /** The shape of every vector of this layer: {@code [1, in]} feed-forward, {@code [out, 1]} otherwise. */
    Shape vectorShape() {
        return feedforward ? new Shape(1, base.inFeatures()) : new Shape(base.outFeatures(), 1);
    }

    /** Declares an adapter's vector and returns its parameter (the caller sets the array). */
    Parameter add(String adapter) {
        if (adapters.contains(adapter)) {
            throw new IllegalStateException(moduleName + " already has an adapter named '" + adapter + "'");
        }
        List<String> next = new ArrayList<>(adapters);
        next.add(adapter);
        rebuild(next);
        return vectors.parameter(adapter);
    }

    @Override
    public void remove(String adapter) {
        dropStacked();
        if (adapters.contains(adapter)) {
            List<String> rest = new ArrayList<>(adapters);
            rest.remove(adapter);
            rebuild(rest);
            List<String> still = new ArrayList<>(active);
            still.remove(adapter);
            active = List.copyOf(still);
        }
    }

    /** A new {@code ia3_l} block declaring {@code names}, holding the arrays (and gradient flags) the old one held. */
    private void rebuild(List<String> names) {
        Vectors next = new Vectors(names);
        for (String n : names) {
            if (adapters.contains(n)) {
                Parameter p = vectors.parameter(n);
                next.replaceArray(n, p.getArray(), p.requiresGradient());
            }
        }
        base.detach(CONTAINER);
        base.attach(CONTAINER, next);
        vectors = next;
        adapters.clear();
        adapters.addAll(names);
    }

    @Override
    public boolean isEmpty() {
        return adapters.isEmpty();
    }

    @Override
    public void detach() {
        base.detach(CONTAINER);
    }

    @Override
    public void setActive(List<String> names) {
        List<String> present = new ArrayList<>();
        for (String a : names) {
            if (adapters.contains(a)) {
                present.add(a);
            }
        }
        active = List.copyOf(present);
    }

    @Override
    public void setDisabled(boolean disabled) {
        this.disabled = disabled;
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
        stackedByRows.clear();
        if (stackedManager != null) {
            stackedManager.close();
            stackedManager = null;
        }
    }

    /**
     * {@code x} times each row's own adapter's vector in one multiplication, when the batch mixes
     * adapters: the vectors are stacked with a row of ones (rows without an adapter of this layer,
     * multiplied exactly by one) and gathered per row once per row count of the batch. Why: one
     * gather, multiply and scatter per adapter per layer and step cost more than the scaling itself.
     * Null when training (gradients take the group path) or when one adapter serves every row.
     */
    private @Nullable NDArray stackedScaled(RowRoutes r, NDArray x) {
        if (vectors.isTraining() || r.uniform().isPresent() || x.getShape().dimension() < 2) {
            return null;
        }
        List<String> names = r.adaptersIn(adapters::contains);
        if (names.isEmpty()) {
            return x;
        }
        long rows = x.getShape().get(0);
        NDArray perRow = stackedByRows.get(rows);
        if (perRow == null) {
            if (stackedManager == null) {
                stackedManager = vectors.parameter(names.get(0)).getArray().getManager().newSubManager();
            }
            NDManager m = stackedManager;
            NDList vs = new NDList();
            for (String n : names) {
                NDArray v = vectors.parameter(n).getArray().reshape(1, -1);
                v.attach(m);
                vs.add(v);
            }
            vs.add(m.ones(vs.get(0).getShape(), vs.get(0).getDataType()));
            NDArray all = NDArrays.concat(vs, 0); // [adapters + 1, features]
            all.attach(m);
            NDArray gathered = all.get(m.create(r.slotPerRow(names, rows))); // [rows, features]
            gathered.attach(m);
            long[] shape = new long[x.getShape().dimension()];
            java.util.Arrays.fill(shape, 1);
            shape[0] = rows;
            shape[shape.length - 1] = -1;
            perRow = gathered.reshape(shape);
            perRow.attach(m);
            stackedByRows.put(rows, perRow);
        }
        return x.mul(perRow);
    }

    @Override
    public boolean canMerge() {
        return true;
    }

    boolean isMerged() {
        return mergedWeight != null;
    }

    @Override
    public void merge() {
        if (isMerged() || active.isEmpty()) {
            return;
        }
        NDArray weight = base.weight().getArray();
        Parameter bias = base.bias();
        NDArray w = null;
        NDArray b = null;
        for (String name : active) {
            NDArray l = vectors.parameter(name).getArray();
            // l first, so the merged arrays belong to the adapter's manager, not the base model's
            NDArray nextW = l.mul(w == null ? weight : w);
            if (w != null) {
                w.close();
            }
            w = nextW;
            if (!feedforward && bias != null) {
                NDArray flat = l.reshape(-1);
                NDArray nextB = flat.mul(b == null ? bias.getArray() : b);
                flat.close();
                if (b != null) {
                    b.close();
                }
                b = nextB;
            }
        }
        w.setRequiresGradient(false);
        originalWeight = weight;
        mergedWeight = w;
        base.replaceArray("weight", w, false);
        if (b != null) {
            originalBias = bias.getArray();
            mergedBias = b;
            base.replaceArray("bias", b, bias.requiresGradient());
        }
    }

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

    /**
     * The product of the active vectors, flattened ({@code [in]} or {@code [out]}), in {@code scope}:
     * a reshape of a parameter lands in the parameter's manager, so it is moved to the batch's.
     */
    private NDArray scale(NDManager scope) {
        NDArray s = null;
        for (String name : active) {
            NDArray v = vector(name, scope);
            s = s == null ? v : s.mul(v);
        }
        return s;
    }

    /** One adapter's vector, flattened, in {@code scope}. */
    private NDArray vector(String name, NDManager scope) {
        NDArray v = vectors.parameter(name).getArray().reshape(-1);
        v.attach(scope);
        return v;
    }

    /** {@code x} scaled by the active vectors, or row by row by each row's adapter's vector when routed. */
    private NDArray scaled(NDArray x) {
        if (routes == null) {
            return x.mul(scale(x.getManager()));
        }
        NDArray all = stackedScaled(routes, x);
        if (all != null) {
            return all;
        }
        return RowGroups.apply(routes, adapters::contains, x, x, (name, in, rows) -> rows.mul(vector(name, rows.getManager())));
    }

    private boolean applies() {
        if (disabled || isMerged()) {
            return false;
        }
        return routes == null ? !active.isEmpty() : routes.adapters().stream().anyMatch(adapters::contains);
    }

    /** PEFT's {@code ParameterDict} of per-adapter vectors, and the hooks that apply them. */
    private final class Vectors extends HfBlock implements LinearAdapter, AdapterBlock {
        Vectors(List<String> names) {
            for (String n : names) {
                declareParameter(n, Parameter.Type.WEIGHT, vectorShape());
            }
        }

        @Override
        public NDArray transformInput(NDArray input) {
            return feedforward ? scaled(input) : input;
        }

        @Override
        public NDArray adapt(NDArray input, NDArray output) {
            return feedforward ? output : scaled(output);
        }

        @Override
        public boolean isActive() {
            return applies();
        }
    }
}
