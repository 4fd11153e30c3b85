package dev.mmpeft.models.instructblip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.cache.FeatureCache;
import dev.mmpeft.core.train.Autograd;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A batch's rows read from a {@link FeatureCache} by key, the missing ones computed together and
 * stored: what both cached levels of the frozen prefix do, one row per example.
 */
final class CachedRows {
    private CachedRows() {}

    /**
     * The batch {@code [keys.length, ...]}: cached rows copied into {@code manager}, the rows of
     * the other indices computed by {@code compute} (given them in order, all of them when nothing
     * is cached; it returns their rows stacked) without autograd history, and stored.
     */
    static NDArray of(FeatureCache cache, String[] keys, NDManager manager, Function<List<Integer>, NDArray> compute) {
        int batch = keys.length;
        NDArray[] rows = new NDArray[batch];
        List<Integer> missing = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            Optional<NDArray> hit = cache.get(keys[b], manager);
            if (hit.isPresent()) {
                rows[b] = hit.get();
            } else {
                missing.add(b);
            }
        }
        if (missing.isEmpty()) {
            return NDArrays.stack(new NDList(rows), 0);
        }
        NDArray computed;
        try (Autograd.GradMode off = Autograd.gradMode(false)) {
            computed = compute.apply(missing);
        }
        if (missing.size() == batch) {
            for (int b = 0; b < batch; b++) {
                cache.put(keys[b], computed.get(b));
            }
            return computed;
        }
        for (int j = 0; j < missing.size(); j++) {
            int b = missing.get(j);
            rows[b] = computed.get(j);
            cache.put(keys[b], rows[b]);
        }
        return NDArrays.stack(new NDList(rows), 0);
    }

    /** The bytes of each row (first dimension) of {@code batch}, as views of one copy out of the engine. */
    static ByteBuffer[] byteRows(NDArray batch) {
        int rows = Math.toIntExact(batch.getShape().get(0));
        ByteBuffer all = batch.toByteBuffer();
        int rowBytes = all.remaining() / Math.max(rows, 1);
        ByteBuffer[] out = new ByteBuffer[rows];
        for (int b = 0; b < rows; b++) {
            out[b] = all.duplicate();
            out[b].position(b * rowBytes).limit((b + 1) * rowBytes);
        }
        return out;
    }

    /** {@code batch} itself when {@code which} is every row, else those rows stacked. */
    static NDArray select(NDArray batch, List<Integer> which) {
        if (which.size() == batch.getShape().get(0)) {
            return batch;
        }
        NDList rows = new NDList();
        for (int b : which) {
            rows.add(batch.get(b));
        }
        return NDArrays.stack(rows, 0);
    }
}
