package dev.mmpeft.peft.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.peft.spi.AdapterBlock;
import org.jspecify.annotations.Nullable;

/**
 * PEFT's {@code PrefixEncoder} for one adapter: an {@code embedding} of the flat prefixes
 * {@code [P, 2 * num_layers * token_dim]}, or (with the projection) an {@code embedding}
 * {@code [P, token_dim]} and the {@code transform} MLP ({@code 0}: Linear, tanh, {@code 2}: Linear).
 */
final class PrefixEncoder extends HfBlock implements AdapterBlock {
    /** The {@code embedding} table as a block, so its parameter is {@code embedding.weight} as in PEFT. */
    static final class Table extends HfBlock implements AdapterBlock {
        Table(int rows, int columns) {
            declareParameter("weight", Parameter.Type.WEIGHT, new Shape(rows, columns));
        }

        NDArray weight() {
            return array("weight");
        }
    }

    /** PEFT's {@code transform}: {@code 0} Linear, {@code 1} Tanh (no parameters), {@code 2} Linear. */
    static final class Transform extends HfBlock implements AdapterBlock {
        final Linear first;
        final Linear second;

        Transform(int tokenDim, int hidden, int out) {
            this.first = child("0", new Linear(tokenDim, hidden, true));
            this.second = child("2", new Linear(hidden, out, true));
        }
    }

    private final int virtualTokens;
    private final int layers;
    private final int heads;
    private final int headDim;
    private final int submodules;
    private final Table embedding;
    private final @Nullable Transform transform;

    PrefixEncoder(int virtualTokens, int layers, int heads, int headDim, int submodules, int projectionHidden) {
        this.virtualTokens = virtualTokens;
        this.layers = layers;
        this.heads = heads;
        this.headDim = headDim;
        this.submodules = submodules;
        int tokenDim = heads * headDim;
        if (projectionHidden > 0) {
            this.embedding = child("embedding", new Table(virtualTokens, tokenDim));
            this.transform = child("transform", new Transform(tokenDim, projectionHidden, 2 * layers * tokenDim));
        } else {
            this.embedding = child("embedding", new Table(virtualTokens, 2 * layers * tokenDim));
            this.transform = null;
        }
    }

    int length() {
        return virtualTokens;
    }

    Table embedding() {
        return embedding;
    }

    @Nullable Transform transform() {
        return transform;
    }

    /** PEFT's rows of layer {@code i}: keys and values (see the package documentation). */
    int[] rows(int layer) {
        if (submodules == 2) {
            return new int[] {(4 * layer) % (2 * layers), (4 * layer + 1) % (2 * layers)};
        }
        return new int[] {2 * layer, 2 * layer + 1};
    }

    /**
     * Keys and values of a layer, {@code [batch, heads, P, headDim]} each, computed into
     * {@code like}'s manager: arrays derived from parameters are moved there at once, so nothing
     * lands in the adapter's manager.
     */
    NDArray[] keysAndValues(int layer, NDArray like, long batch) {
        int[] rows = rows(layer);
        NDArray[] out = new NDArray[2];
        for (int j = 0; j < 2; j++) {
            NDArray flat = rowOf(rows[j], like.getManager()); // [P, tokenDim]
            NDArray kv = flat.reshape(virtualTokens, heads, headDim).transpose(1, 0, 2).expandDims(0);
            out[j] = kv.broadcast(batch, heads, virtualTokens, headDim);
        }
        return out;
    }

    /** Row {@code r} of the {@code [P, 2L, tokenDim]} prefixes: {@code [P, tokenDim]}, in {@code manager}. */
    private NDArray rowOf(int r, NDManager manager) {
        int tokenDim = heads * headDim;
        if (transform == null) {
            NDArray table = owned(embedding.weight().reshape(virtualTokens, 2 * layers, tokenDim), manager);
            return table.get(":, " + r + ", :");
        }
        NDArray e = owned(embedding.weight().reshape(virtualTokens, tokenDim), manager);
        NDArray hidden = transform.first.forward(e).tanh();
        // only the rows of the last projection this layer needs
        Linear last = transform.second;
        NDArray w = owned(last.weight().getArray().get((long) r * tokenDim + ":" + (long) (r + 1) * tokenDim), manager);
        NDArray b = owned(last.bias().getArray().get((long) r * tokenDim + ":" + (long) (r + 1) * tokenDim), manager);
        return ai.djl.nn.core.Linear.linear(hidden, w, b).singletonOrThrow();
    }

    /** The flat prefixes {@code [P, 2L * tokenDim]} (PEFT's {@code prompt_embeddings}), computed into {@code manager}. */
    NDArray fold(NDManager manager) {
        if (transform == null) {
            return owned(embedding.weight().duplicate(), manager);
        }
        NDArray e = owned(embedding.weight().duplicate(), manager);
        return transform.second.forward(transform.first.forward(e).tanh());
    }

    private static NDArray owned(NDArray derived, NDManager manager) {
        derived.attach(manager);
        return derived;
    }
}
