package dev.mmpeft.peft.dma;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Scalars;
import dev.mmpeft.models.qformer.QFormerEncoder;
import dev.mmpeft.models.qformer.QFormerLayerAdapter;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.spi.AdapterBlock;
import dev.mmpeft.peft.spi.AdapterLayer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * DMA's shared part on a Q-Former layer stack: per adapter, the factors U, V, C of each modality
 * that every adapted projection reads, and Gamma's per-layer scale and shift, which this layer adds
 * to each layer's output as {@code out + g (attn * scale[l] + shift[l])} (PETAL's
 * {@code residual_text}).
 *
 * <p>In-memory names: {@code <stack>.dma.<adapter>.text_U}, {@code ...image_C},
 * {@code ...gamma_scale}. Nothing here merges into weights.
 */
final class DmaStackLayer implements AdapterLayer {
    private final String moduleName;
    private final QFormerEncoder stack;
    private final Dict dict = new Dict();
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private List<String> active = List.of();
    private boolean disabled;

    /** One adapter's shared tensors. */
    static final class Slot extends HfBlock implements AdapterBlock {
        final int rank;
        final double dropout;
        final boolean gamma;
        final float gammaResidual;

        Slot(DmaPlan plan) {
            DmaConfig c = plan.config();
            this.rank = c.rank();
            this.dropout = c.dropout();
            this.gamma = c.gamma();
            this.gammaResidual = (float) c.gammaResidual();
            for (DmaPlan.Modality m : DmaPlan.Modality.values()) {
                if (plan.uses(m)) {
                    plan.factorShapes(m).forEach((n, shape) -> declareParameter(local(m, n), Parameter.Type.WEIGHT, shape));
                }
            }
            if (gamma) {
                DmaPlan.Stack s = plan.stack().orElseThrow();
                declareParameter("gamma_scale", Parameter.Type.WEIGHT, new Shape(s.layers(), s.hidden()));
                declareParameter("gamma_shift", Parameter.Type.WEIGHT, new Shape(s.layers(), s.hidden()));
            }
        }

        static String local(DmaPlan.Modality m, String factor) {
            return (m == DmaPlan.Modality.TEXT ? "text_" : "image_") + factor;
        }

        /** A factor's array, or empty when this adapter has no projection of that modality. */
        Optional<NDArray> factor(DmaPlan.Modality m, String name) {
            String local = local(m, name);
            return getParameters().keys().contains(local) ? Optional.of(array(local)) : Optional.empty();
        }

        NDArray gammaArray(String name) {
            return array(name);
        }
    }

    DmaStackLayer(String moduleName, QFormerEncoder stack) {
        this.moduleName = moduleName;
        this.stack = stack;
        stack.attachLayerAdapter("dma", dict);
    }

    /** Adds an adapter's shared tensors (declared; the caller sets the arrays). */
    Slot add(String adapter, DmaPlan plan) {
        if (slots.containsKey(adapter)) {
            throw new IllegalStateException(moduleName + " already has a DMA adapter named '" + adapter + "'");
        }
        Slot s = new Slot(plan);
        dict.put(adapter, s);
        s.setTraining(stack.isTraining());
        slots.put(adapter, s);
        return s;
    }

    /** The shared tensors of an adapter. */
    Slot slot(String adapter) {
        Slot s = slots.get(adapter);
        if (s == null) {
            throw new IllegalStateException(moduleName + " has no DMA adapter named '" + adapter + "'");
        }
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
        stack.detachLayerAdapter("dma");
    }

    @Override
    public boolean canMerge() {
        return false;
    }

    @Override
    public void merge() {
        throw new PeftException("DMA adapters cannot be merged into the base weights ('" + moduleName
                + "'): Gamma adds a residual from the self-attention output to every layer's output");
    }

    @Override
    public void unmerge() {
        // never merged
    }

    /** {@code out + g (attn * scale[l] + shift[l])} for each active adapter with Gamma. */
    private NDArray adapt(int layer, NDArray attention, NDArray out) {
        NDArray y = out;
        for (String a : active) {
            Slot s = slots.get(a);
            if (!s.gamma) {
                continue;
            }
            NDArray scale = rowOf(s.gammaArray("gamma_scale"), layer, attention);
            NDArray shift = rowOf(s.gammaArray("gamma_shift"), layer, attention);
            NDArray residual = attention.mul(scale).add(shift);
            y = y.add(residual.mul(Scalars.of(residual, s.gammaResidual)));
        }
        return y;
    }

    /** Row {@code layer} of a [layers, hidden] parameter, in the activation's memory scope. */
    private static NDArray rowOf(NDArray parameter, int layer, NDArray like) {
        return like.getManager().zeros(parameter.getShape(), parameter.getDataType()).add(parameter).get(layer);
    }

    /** The child block that holds the adapters and computes after each layer. */
    private final class Dict extends HfBlock implements QFormerLayerAdapter, AdapterBlock {
        void put(String adapter, Slot slot) {
            child(adapter, slot);
        }

        void drop(String adapter) {
            removeChild(adapter);
        }

        @Override
        public NDArray adapt(int layer, NDArray selfAttentionOutput, NDArray layerOutput) {
            return DmaStackLayer.this.adapt(layer, selfAttentionOutput, layerOutput);
        }

        @Override
        public boolean isActive() {
            return !disabled && active.stream().anyMatch(a -> slots.get(a).gamma);
        }
    }
}
