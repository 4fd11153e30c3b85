package dev.mmpeft.models.processing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Sequences padded to the longest with their 0/1 attention mask, as transformers'
 * {@code padding="longest"} makes them.
 */
public final class Padded {
    private final long[][] ids;
    private final long[][] mask;

    private Padded(long[][] ids, long[][] mask) {
        this.ids = ids;
        this.mask = mask;
    }

    /** Pads {@code sequences} with {@code padId} on {@code side} to the longest one. */
    public static Padded of(List<long[]> sequences, long padId, TextTokenizer.Side side) {
        int longest = 0;
        for (long[] s : sequences) {
            longest = Math.max(longest, s.length);
        }
        long[][] ids = new long[sequences.size()][longest];
        long[][] mask = new long[sequences.size()][longest];
        for (int i = 0; i < sequences.size(); i++) {
            long[] s = sequences.get(i);
            int start = side == TextTokenizer.Side.LEFT ? longest - s.length : 0;
            java.util.Arrays.fill(ids[i], padId);
            System.arraycopy(s, 0, ids[i], start, s.length);
            java.util.Arrays.fill(mask[i], start, start + s.length, 1L);
        }
        return new Padded(ids, mask);
    }

    public long[][] ids() {
        return ids;
    }

    public long[][] mask() {
        return mask;
    }

    public int length() {
        return ids.length == 0 ? 0 : ids[0].length;
    }

    /** {@code [batch, length]} int64 ids in {@code manager}. */
    public NDArray idsArray(NDManager manager) {
        return toArray(ids, manager);
    }

    /** {@code [batch, length]} int64 mask in {@code manager}. */
    public NDArray maskArray(NDManager manager) {
        return toArray(mask, manager);
    }

    static NDArray toArray(long[][] rows, NDManager manager) {
        int len = rows.length == 0 ? 0 : rows[0].length;
        long[] flat = new long[rows.length * len];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * len, len);
        }
        return manager.create(flat, new Shape(rows.length, len));
    }
}
