package dev.mmpeft.peft.dma;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.models.nn.Dropouts;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.LinearAdapter;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.spi.AdapterBlock;
import dev.mmpeft.peft.spi.AdapterLayer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DMA on one attention projection: {@code y = W0 x + b + V ((dropout(U x)) M)} with
 * {@code M[i, j] = sum_k C[i, j, k] lambda[k]}, where U, V, C are the shared factors of the
 * projection's input modality ({@link DmaStackLayer}) and {@code lambda} is this projection's mode
 * vector, as PETAL's {@code CP_V(dp(CP_U(x)) @ (CP_C @ q_CP)[:, :, 0])}.
 *
 * <p>In-memory name of the mode vector: {@code <module>.dma.<adapter>.lambda} {@code [R]}.
 */
final class DmaLinearLayer implements AdapterLayer {
    private final String moduleName;
    private final Linear base;
    private final DmaStackLayer shared;
    private final Dict dict = new Dict();
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private List<String> active = List.of();
    private boolean disabled;

    /** One adapter's mode vector on this projection. */
    static final class Slot extends HfBlock implements AdapterBlock {
        final DmaPlan.Modality modality;

        Slot(int rank, DmaPlan.Modality modality) {
            this.modality = modality;
            declareParameter("lambda", Parameter.Type.WEIGHT, new Shape(rank));
        }

        NDArray lambda() {
            return array("lambda");
        }
    }

    DmaLinearLayer(String moduleName, Linear base, DmaStackLayer shared) {
        this.moduleName = moduleName;
        this.base = base;
        this.shared = shared;
        base.attach("dma", dict);
    }

    /** Adds an adapter's mode vector (declared; the caller sets the array). */
    Slot add(String adapter, int rank, DmaPlan.Modality modality) {
        if (slots.containsKey(adapter)) {
            throw new IllegalStateException(moduleName + " already has a DMA adapter named '" + adapter + "'");
        }
        Slot s = new Slot(rank, modality);
        dict.put(adapter, s);
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
        base.detach("dma");
    }

    @Override
    public boolean canMerge() {
        return false;
    }

    @Override
    public void merge() {
        throw new PeftException("DMA adapters cannot be merged into the base weights ('" + moduleName
                + "'): their Gamma residual has no weight to fold into");
    }

    @Override
    public void unmerge() {
        // never merged
    }

    /** The update of one adapter for input {@code x} {@code [..., in]}: {@code [..., out]}. */
    static NDArray update(NDArray x, NDArray u, NDArray v, NDArray c, NDArray lambda, float dropout, boolean training) {
        long r = lambda.getShape().get(0);
        NDArray h = Dropouts.apply(ai.djl.nn.core.Linear.linear(x, u).singletonOrThrow(), dropout, training);
        // M = C x_3 lambda, built in the activation's scope (a parameter-first expression would land in the model's manager)
        NDArray core = x.getManager().zeros(c.getShape(), c.getDataType()).add(c).reshape(r * r, r);
        NDArray mode = x.getManager().zeros(lambda.getShape(), lambda.getDataType()).add(lambda).reshape(r, 1);
        NDArray m = core.matMul(mode).reshape(r, r);
        return ai.djl.nn.core.Linear.linear(h.matMul(m), v).singletonOrThrow();
    }

    private NDArray adapt(NDArray input, NDArray output) {
        NDArray y = output;
        for (String a : active) {
            Slot s = slots.get(a);
            DmaStackLayer.Slot f = shared.slot(a);
            NDArray u = f.factor(s.modality, "U").orElseThrow();
            NDArray v = f.factor(s.modality, "V").orElseThrow();
            NDArray c = f.factor(s.modality, "C").orElseThrow();
            y = y.add(update(input, u, v, c, s.lambda(), (float) f.dropout, dict.isTraining()));
        }
        return y;
    }

    /** The child block that holds the mode vectors and adds the update to the projection's output. */
    private final class Dict extends HfBlock implements LinearAdapter, AdapterBlock {
        void put(String adapter, Slot slot) {
            child(adapter, slot);
        }

        void drop(String adapter) {
            removeChild(adapter);
        }

        @Override
        public NDArray adapt(NDArray input, NDArray output) {
            return DmaLinearLayer.this.adapt(input, output);
        }

        @Override
        public boolean isActive() {
            return !disabled && !active.isEmpty();
        }
    }
}
