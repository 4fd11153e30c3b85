package dev.mmpeft.models.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * T5's relative position buckets ({@code T5Attention._relative_position_bucket}): exact buckets for
 * small distances, logarithmic ones up to {@code max_distance}; bidirectional in the encoder (the
 * sign gets its own half of the buckets), causal in the decoder (future positions share bucket 0).
 *
 * <p>The logarithmic branch truncates a float32 expression to an integer, so a value computed in
 * double precision can land in a neighbouring bucket exactly at bucket boundaries. The buckets are
 * therefore computed with the same float32 tensor operations transformers uses, once per distinct
 * relative position, and remembered.
 */
final class RelativePositionBuckets {
    private final boolean bidirectional;
    private final int numBuckets;
    private final int maxDistance;
    private final Map<Integer, Integer> known = new ConcurrentHashMap<>();

    RelativePositionBuckets(boolean bidirectional, int numBuckets, int maxDistance) {
        this.bidirectional = bidirectional;
        this.numBuckets = numBuckets;
        this.maxDistance = maxDistance;
    }

    /**
     * Bucket ids {@code [queries * keys]} (row-major) for query {@code i} at absolute position
     * {@code pastLength + i} and key {@code j}: relative position {@code j - (pastLength + i)}.
     */
    long[] table(NDManager manager, int queries, int keys, int pastLength) {
        int lo = -(pastLength + queries - 1);
        int hi = keys - 1 - pastLength;
        ensure(manager, lo, hi);
        long[] out = new long[queries * keys];
        for (int i = 0; i < queries; i++) {
            for (int j = 0; j < keys; j++) {
                out[i * keys + j] = known.get(j - (pastLength + i));
            }
        }
        return out;
    }

    private void ensure(NDManager manager, int lo, int hi) {
        int missing = 0;
        for (int r = lo; r <= hi; r++) {
            if (!known.containsKey(r)) {
                missing++;
            }
        }
        if (missing == 0) {
            return;
        }
        long[] rel = new long[hi - lo + 1];
        for (int r = lo; r <= hi; r++) {
            rel[r - lo] = r;
        }
        long[] buckets = compute(manager, rel);
        for (int k = 0; k < rel.length; k++) {
            known.put((int) rel[k], (int) buckets[k]);
        }
    }

    private long[] compute(NDManager parent, long[] relative) {
        try (NDManager m = parent.newSubManager()) {
            NDArray rel = m.create(relative);
            int buckets = numBuckets;
            NDArray base = rel.zerosLike();
            if (bidirectional) {
                buckets /= 2;
                base = rel.gt(0).toType(DataType.INT64, false).mul(buckets);
                rel = rel.abs();
            } else {
                rel = rel.minimum(0).neg();
            }
            int maxExact = buckets / 2;
            NDArray isSmall = rel.lt(maxExact);
            float logRange = (float) Math.log((double) maxDistance / maxExact);
            NDArray large = rel.toType(DataType.FLOAT32, false)
                    .div((float) maxExact)
                    .log()
                    .div(logRange)
                    .mul((float) (buckets - maxExact))
                    .toType(DataType.INT64, false)
                    .add(maxExact);
            large = large.minimum(buckets - 1);
            NDArray chosen = ai.djl.ndarray.NDArrays.where(isSmall, rel, large);
            return base.add(chosen).toLongArray();
        }
    }
}
