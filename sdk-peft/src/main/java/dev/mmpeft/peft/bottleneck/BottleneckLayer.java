package dev.mmpeft.peft.bottleneck;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.models.nn.Activations;
import dev.mmpeft.models.nn.Dropouts;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.ResidualAdapter;
import dev.mmpeft.models.nn.Scalars;
import dev.mmpeft.models.nn.SublayerBlock;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.spi.AdapterBlock;
import dev.mmpeft.peft.spi.AdapterLayer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Bottleneck adapters on one residual sub-layer ({@link SublayerBlock}), one per adapter name, as
 * AdapterHub's {@code Adapter} module computes them (see the package documentation for the two
 * placements' residual arithmetic).
 *
 * <p>The adapters live in a child block {@code bottleneck} of the sub-layer, each an
 * {@code adapter_down} and an {@code adapter_up} {@link Linear} with biases, so in-memory names are
 * {@code <sub-layer>.bottleneck.<adapter>.adapter_down.weight}. They cannot be merged: the
 * non-linearity sits between the two projections.
 */
final class BottleneckLayer implements AdapterLayer {
    private final String moduleName;
    private final SublayerBlock base;
    private final Dict dict = new Dict();
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private List<String> active = List.of();
    private boolean disabled;

    /** One adapter on this sub-layer. */
    private static final class Slot extends HfBlock implements AdapterBlock {
        final Linear down;
        final Linear up;
        final UnaryOperator<NDArray> act;
        final float scaling;
        final float dropout;
        final AdapterPlacement placement;

        Slot(int width, int size, String activation, double scaling, double dropout, AdapterPlacement placement) {
            this.down = child("adapter_down", new Linear(width, size, true));
            this.up = child("adapter_up", new Linear(size, width, true));
            this.act = Activations.of(activation);
            this.scaling = (float) scaling;
            this.dropout = (float) dropout;
            this.placement = placement;
        }

        /** {@code dropout(scaling * up(act(down(z))))}, AdapterHub's adapter branch. */
        NDArray branch(NDArray z) {
            NDArray up = this.up.forward(act.apply(down.forward(z)));
            if (scaling != 1f) {
                up = up.mul(Scalars.of(up, scaling));
            }
            return Dropouts.apply(up, dropout, isTraining());
        }
    }

    BottleneckLayer(String moduleName, SublayerBlock base) {
        this.moduleName = moduleName;
        this.base = base;
        base.attachResidualAdapter("bottleneck", dict);
    }

    /**
     * Adds an adapter (parameters declared, arrays set by the caller).
     *
     * @return its down- and up-projection
     */
    Linear[] add(String adapter, int size, String activation, double scaling, double dropout, AdapterPlacement placement) {
        if (slots.containsKey(adapter)) {
            throw new IllegalStateException(moduleName + " already has a bottleneck adapter named '" + adapter + "'");
        }
        Slot s = new Slot(base.width(), size, activation, scaling, dropout, placement);
        dict.put(adapter, s);
        s.setTraining(base.isTraining());
        slots.put(adapter, s);
        return new Linear[] {s.down, s.up};
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
        base.detachResidualAdapter("bottleneck");
    }

    @Override
    public boolean canMerge() {
        return false;
    }

    @Override
    public void merge() {
        throw new PeftException("bottleneck adapters cannot be merged into the base weights ('" + moduleName
                + "'): a non-linearity sits between the down- and up-projection");
    }

    @Override
    public void unmerge() {
        // never merged
    }

    /** AdapterHub's {@code bottleneck_layer_forward} for the active adapter. */
    private NDArray apply(NDArray f, NDArray x, @Nullable UnaryOperator<NDArray> norm) {
        if (active.size() > 1) {
            throw new IllegalStateException(moduleName + ": several bottleneck adapters active at once: " + active);
        }
        Slot s = slots.get(active.get(0));
        if (s.placement == AdapterPlacement.HOULSBY) {
            // residual_before_ln: the adapter reads the sub-layer output and adds it back
            NDArray out = s.branch(f).add(f);
            return norm == null ? out.add(x) : norm.apply(out.add(x));
        }
        // Pfeiffer (original_ln_before): the adapter reads the residual sum (normalised in post-norm layers)
        NDArray h = f.add(x);
        if (norm != null) {
            h = norm.apply(h);
        }
        NDArray out = s.branch(h).add(f);
        return norm == null ? out.add(x) : norm.apply(out.add(x));
    }

    /** The child block that holds the adapters and computes at the residual. */
    private final class Dict extends HfBlock implements ResidualAdapter, AdapterBlock {
        void put(String adapter, Slot slot) {
            child(adapter, slot);
        }

        void drop(String adapter) {
            removeChild(adapter);
        }

        @Override
        public NDArray apply(NDArray output, NDArray input, @Nullable UnaryOperator<NDArray> norm) {
            return BottleneckLayer.this.apply(output, input, norm);
        }

        @Override
        public boolean isActive() {
            return !disabled && !active.isEmpty();
        }
    }
}
