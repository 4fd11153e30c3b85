package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * PyTorch's {@code nn.Linear}: {@code y = x W^T + b} with {@code weight [out, in]} and an optional
 * {@code bias [out]}, under those names.
 *
 * <p>Every projection of every model is one of these, which is what lets a PEFT method reach any
 * of them by name: adapters attached with {@link #attach} may rewrite the layer's input and see
 * its input and output.
 */
public final class Linear extends HfBlock {
    private final int inFeatures;
    private final int outFeatures;
    private final boolean hasBias;
    private final Map<String, LinearAdapter> adapters = new LinkedHashMap<>();

    public Linear(int inFeatures, int outFeatures, boolean bias) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.hasBias = bias;
        declareParameter("weight", Parameter.Type.WEIGHT, new Shape(outFeatures, inFeatures));
        if (bias) {
            declareParameter("bias", Parameter.Type.BIAS, new Shape(outFeatures));
        }
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    /** {@code weight [out, in]} (look it up again after {@link #replaceArray}). */
    public Parameter weight() {
        return parameter("weight");
    }

    /** {@code bias [out]}; null for a layer without bias. */
    public @Nullable Parameter bias() {
        return hasBias ? parameter("bias") : null;
    }

    public boolean hasBias() {
        return hasBias;
    }

    /** The base layer alone, without adapters. */
    public NDArray forwardBase(NDArray x) {
        NDArray w = array("weight");
        return hasBias
                ? ai.djl.nn.core.Linear.linear(x, w, array("bias")).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(x, w).singletonOrThrow();
    }

    /**
     * The layer with its active adapters applied in attach order: first their input rewrites, then
     * the base layer on the rewritten input, then their output adaptations (which see that input).
     */
    public NDArray forward(NDArray x) {
        NDArray in = x;
        for (LinearAdapter a : adapters.values()) {
            if (a.isActive()) {
                in = a.transformInput(in);
            }
        }
        NDArray y = forwardBase(in);
        for (LinearAdapter a : adapters.values()) {
            if (a.isActive()) {
                y = a.adapt(in, y);
            }
        }
        return y;
    }

    /**
     * Attaches an adapter under {@code name}; one that is an {@link HfBlock} also becomes a child,
     * so its parameters are named {@code <layer>.<name>...}.
     */
    public void attach(String name, LinearAdapter adapter) {
        if (adapters.containsKey(name)) {
            throw new IllegalStateException("an adapter named '" + name + "' is already attached");
        }
        adapters.put(name, adapter);
        if (adapter instanceof HfBlock) {
            child(name, (HfBlock) adapter);
        }
    }

    /** Detaches an adapter; returns whether one was attached under that name. */
    public boolean detach(String name) {
        LinearAdapter removed = adapters.remove(name);
        if (removed instanceof HfBlock) {
            removeChild(name);
        }
        return removed != null;
    }

    /** The attached adapters by name, in order. */
    public Map<String, LinearAdapter> adapters() {
        return Collections.unmodifiableMap(adapters);
    }
}
