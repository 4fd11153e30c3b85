package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;

/**
 * Keys and values of past positions, per layer, for incremental decoding
 * ({@code [rows, kvHeads, positions, headDim]} each), like transformers' {@code DynamicCache}.
 *
 * <p>The cache owns its arrays in its own manager, so a generation loop can run each step in a
 * short-lived scope and still keep the cache; arrays replaced by an append or a reorder are freed
 * at once, so memory stays proportional to the current length.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;

    /** A cache for {@code layers} layers whose arrays live in a new sub-manager of {@code parent}. */
    public KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Number of layers. */
    public int layers() {
        return keys.length;
    }

    /** Positions held by {@code layer} (0 when empty). */
    public int length(int layer) {
        return keys[layer] == null ? 0 : (int) keys[layer].getShape().get(2);
    }

    /** Whether {@code layer} holds anything. */
    public boolean has(int layer) {
        return keys[layer] != null;
    }

    /** The keys of {@code layer}. */
    public NDArray keys(int layer) {
        return keys[layer];
    }

    /** The values of {@code layer}. */
    public NDArray values(int layer) {
        return values[layer];
    }

    /**
     * Appends new positions to {@code layer} along the length axis and returns the full keys and
     * values ({@code [keys, values]}).
     */
    public NDArray[] append(int layer, NDArray k, NDArray v) {
        keys[layer] = concat(keys[layer], k);
        values[layer] = concat(values[layer], v);
        return new NDArray[] {keys[layer], values[layer]};
    }

    /** Replaces {@code layer}'s content (for cross-attention keys computed once). */
    public void put(int layer, NDArray k, NDArray v) {
        replace(keys, layer, k);
        replace(values, layer, v);
    }

    private NDArray concat(NDArray past, NDArray next) {
        if (past == null) {
            NDArray copy = next.duplicate();
            copy.attach(manager);
            return copy;
        }
        NDArray joined = NDArrays.concat(new NDList(past, next), 2);
        joined.attach(manager);
        past.close();
        return joined;
    }

    private void replace(NDArray[] slots, int layer, NDArray array) {
        NDArray copy = array.duplicate();
        copy.attach(manager);
        if (slots[layer] != null) {
            slots[layer].close();
        }
        slots[layer] = copy;
    }

    /**
     * Reorders the rows (beam search: each surviving beam continues from the cache of the beam it
     * extends), as transformers' {@code reorder_cache}.
     */
    public void reorder(long[] rows) {
        NDArray index = manager.create(rows);
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                keys[i] = take(keys[i], index);
                values[i] = take(values[i], index);
            }
        }
        index.close();
    }

    private NDArray take(NDArray array, NDArray index) {
        NDArray out = array.get(index);
        out.attach(manager);
        array.close();
        return out;
    }

    @Override
    public void close() {
        Arrays.fill(keys, null);
        Arrays.fill(values, null);
        manager.close();
    }
}
