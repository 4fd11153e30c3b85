package dev.mmpeft.peft.mmadapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.models.nn.Dropouts;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.InputAdapter;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.Scalars;
import dev.mmpeft.models.nn.SublayerBlock;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.spi.AdapterBlock;
import dev.mmpeft.peft.spi.AdapterLayer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * MM-Adapters on one residual sub-layer's normalised input ({@link SublayerBlock#adaptInput}), one
 * per adapter name, computing LaVIN's {@code RepAdapter_Router}:
 * {@code x + s w0 B(h) + s w1 D(h)}, {@code h = dropout(A x)}, {@code (w0, w1) = softmax(R t / tau)}
 * with {@code t} the row's modality token ({@link Routing#MODALITY_TOKEN}) or each token itself
 * ({@link Routing#PER_TOKEN}).
 *
 * <p>In memory the tensors are {@code <sub-layer>.mm_adapter.<adapter>.conv_A.weight} and so on
 * (LaVIN's names). They cannot be merged: the routing weights depend on the input.
 */
final class MmAdapterLayer implements AdapterLayer {
    /** What the router reads. */
    enum Routing {
        /**
         * The row's modality token: position 0 of the pass when the stack isolates it, the weights
         * of the last such pass in incremental decoding steps (LaVIN's {@code cache_weights}).
         */
        MODALITY_TOKEN,
        /** Each position's own normalised input (the image encoder; LaVIN reads the ViT sequence-first). */
        PER_TOKEN
    }

    private final String moduleName;
    private final SublayerBlock base;
    private final Dict dict = new Dict();
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private List<String> active = List.of();
    private boolean disabled;

    /** One adapter on this sub-layer. */
    static final class Slot extends HfBlock implements AdapterBlock {
        final Linear convA;
        final Linear convB;
        final Linear convD;
        final Linear router;
        private final String module;
        private final int groups;
        private final int width;
        private final float temperature;
        private final float scale;
        private final float dropout;
        private final Routing routing;
        private float @Nullable [] cachedWeights;

        Slot(String module, int width, int dim, int groups, double temperature, double scale, double dropout, Routing routing) {
            this.module = module;
            this.convA = child("conv_A", new Linear(width, dim, true));
            this.convB = child("conv_B", new Linear(dim / groups, width, true));
            this.convD = child("conv_D", new Linear(dim / groups, width, true));
            this.router = child("expert_weights", new Linear(width, 2, true));
            this.groups = groups;
            this.width = width;
            this.temperature = (float) temperature;
            this.scale = (float) scale;
            this.dropout = (float) dropout;
            this.routing = routing;
        }

        /** The routing weights of the last pass that held the modality token ({@code [rows x 2]}), if any. */
        float @Nullable [] lastModalityWeights() {
            return cachedWeights == null ? null : cachedWeights.clone();
        }

        NDArray apply(NDArray x, int isolatedLeading) {
            NDArray weights = routingWeights(x, isolatedLeading);
            NDArray h = Dropouts.apply(linear(x, convA), dropout, isTraining());
            NDArray b = grouped(h, convB);
            NDArray d = grouped(h, convD);
            if (scale != 1f) {
                b = b.mul(Scalars.of(b, scale));
                d = d.mul(Scalars.of(d, scale));
            }
            return b.mul(weights.get("..., 0:1")).add(d.mul(weights.get("..., 1:2"))).add(x);
        }

        /** {@code [batch, length or 1, 2]}: softmax((R t + b) / tau). */
        private NDArray routingWeights(NDArray x, int isolatedLeading) {
            long rows = x.getShape().get(0);
            if (routing == Routing.PER_TOKEN) {
                return softmax(linear(x, router));
            }
            if (isolatedLeading > 0) {
                NDArray w = softmax(linear(x.get(":, 0:1, :"), router));
                // later decoding steps hold new positions only: they reuse these weights
                cachedWeights = w.toFloatArray();
                return w;
            }
            if (cachedWeights == null || cachedWeights.length != rows * 2) {
                throw new IllegalStateException(module + ": the MM-Adapter routes on the modality token, which this pass does not hold"
                        + " and no earlier pass of " + rows + " rows did (the model must put it at position 0)");
            }
            return x.getManager().create(cachedWeights, new Shape(rows, 1, 2));
        }

        private NDArray softmax(NDArray logits) {
            return logits.div(Scalars.of(logits, temperature)).softmax(-1);
        }

        private static NDArray linear(NDArray x, Linear l) {
            return ai.djl.nn.core.Linear.linear(x, l.weight().getArray(), l.bias().getArray()).singletonOrThrow();
        }

        /**
         * A 1x1 convolution of {@code groups} groups ({@code [..., dim]} to {@code [..., width]}):
         * group {@code g} reads inputs {@code [g dim/G, (g+1) dim/G)} and writes outputs
         * {@code [g width/G, (g+1) width/G)}. Computed as every group's input through the whole
         * {@code [width, dim/G]} weight, then each output taken from its own group's plane (exact:
         * the other planes are multiplied by zero), starting from the activation so nothing lands
         * in the parameters' manager.
         */
        private NDArray grouped(NDArray h, Linear conv) {
            Shape s = h.getShape();
            long dim = s.get(s.dimension() - 1);
            long[] split = new long[s.dimension() + 1];
            for (int i = 0; i < s.dimension() - 1; i++) {
                split[i] = s.get(i);
            }
            split[s.dimension() - 1] = groups;
            split[s.dimension()] = dim / groups;
            NDArray planes = linear(h.reshape(new Shape(split)), conv);
            float[] pick = new float[groups * width];
            int perGroup = width / groups;
            for (int g = 0; g < groups; g++) {
                for (int o = g * perGroup; o < (g + 1) * perGroup; o++) {
                    pick[g * width + o] = 1f;
                }
            }
            // duplicate(): an engine-owned copy. create() wraps a Java direct buffer, and inside a per-layer
            // scope (Scopes.perLayer in training) that array is closed before the backward pass, which
            // needs the mask (d(planes * mask) = mask): its freed buffer gave NaN or huge gradients at random
            NDArray mask;
            try (NDArray javaOwned = h.getManager().create(pick, new Shape(groups, width))) {
                mask = javaOwned.duplicate();
            }
            return planes.mul(mask).sum(new int[] {s.dimension() - 1});
        }
    }

    MmAdapterLayer(String moduleName, SublayerBlock base) {
        this.moduleName = moduleName;
        this.base = base;
        base.attachInputAdapter("mm_adapter", dict);
    }

    /** Adds an adapter (parameters declared, arrays set by the caller). */
    Slot add(String adapter, int dim, int groups, double temperature, double scale, double dropout, Routing routing) {
        if (slots.containsKey(adapter)) {
            throw new IllegalStateException(moduleName + " already has an MM-Adapter named '" + adapter + "'");
        }
        if (base.width() % groups != 0) {
            throw new PeftException(moduleName + ": width " + base.width() + " is not a multiple of the MM-Adapter's " + groups + " groups");
        }
        Slot s = new Slot(moduleName, base.width(), dim, groups, temperature, scale, dropout, routing);
        dict.put(adapter, s);
        s.setTraining(base.isTraining());
        slots.put(adapter, s);
        return s;
    }

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

    @Override
    public void setDisabled(boolean disabled) {
        this.disabled = disabled;
    }

    @Override
    public void remove(String adapter) {
        if (slots.remove(adapter) != null) {
            dict.drop(adapter);
            List<String> rest = new ArrayList<>(active);
            rest.remove(adapter);
            active = List.copyOf(rest);
        }
    }

    @Override
    public boolean isEmpty() {
        return slots.isEmpty();
    }

    @Override
    public void detach() {
        base.detachInputAdapter("mm_adapter");
    }

    @Override
    public boolean canMerge() {
        return false;
    }

    @Override
    public void merge() {
        throw new PeftException("MM-Adapters cannot be merged into the base weights ('" + moduleName
                + "'): the router's mixing weights depend on the input");
    }

    @Override
    public void unmerge() {
        // never merged
    }

    private NDArray apply(NDArray x, int isolatedLeading) {
        if (active.size() > 1) {
            throw new IllegalStateException(moduleName + ": several MM-Adapters active at once: " + active);
        }
        return slots.get(active.get(0)).apply(x, isolatedLeading);
    }

    /** The child block that holds the adapters and adapts the sub-layer's input. */
    private final class Dict extends HfBlock implements InputAdapter, AdapterBlock {
        void put(String adapter, Slot slot) {
            child(adapter, slot);
        }

        void drop(String adapter) {
            removeChild(adapter);
        }

        @Override
        public NDArray adapt(NDArray input, int isolatedLeading) {
            return MmAdapterLayer.this.apply(input, isolatedLeading);
        }

        @Override
        public boolean isActive() {
            return !disabled && !active.isEmpty();
        }
    }
}
