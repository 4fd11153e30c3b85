package dev.mmpeft.core.train.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Length-aware batching: transformers' {@code group_by_length} order (megabatches of up to 50
 * batches from the epoch's shuffled order, each sorted by length, longest first, the longest
 * megabatch's head moved to the very front so an out-of-memory shows at once) and the padding a
 * batch order costs when every batch is padded to its own longest sequence. Why: prompts range
 * from a few dozen to hundreds of tokens, and padding is computed but thrown away.
 */
public final class LengthBatching {
    private LengthBatching() {}

    /**
     * transformers' {@code get_length_grouped_indices(lengths, batch_size)} over {@code shuffled}
     * (the epoch's order): megabatch size {@code min(n / (4 batch), 50)} batches (at least one).
     */
    public static int[] groupByLength(int[] shuffled, int[] lengths, int batchSize) {
        int n = shuffled.length;
        int mult = Math.max(1, Math.min(n / (batchSize * 4), 50));
        int mega = mult * batchSize;
        List<Integer[]> megabatches = new ArrayList<>();
        for (int from = 0; from < n; from += mega) {
            Integer[] m = new Integer[Math.min(mega, n - from)];
            for (int i = 0; i < m.length; i++) {
                m[i] = shuffled[from + i];
            }
            // stable sort, longest first (Python's sorted(..., reverse=True) keeps ties in order too)
            Arrays.sort(m, Comparator.comparingInt((Integer i) -> lengths[i]).reversed());
            megabatches.add(m);
        }
        int maxIdx = 0;
        for (int k = 1; k < megabatches.size(); k++) {
            if (lengths[megabatches.get(k)[0]] > lengths[megabatches.get(maxIdx)[0]]) {
                maxIdx = k;
            }
        }
        Integer first = megabatches.get(0)[0];
        megabatches.get(0)[0] = megabatches.get(maxIdx)[0];
        megabatches.get(maxIdx)[0] = first;
        int[] out = new int[n];
        int k = 0;
        for (Integer[] m : megabatches) {
            for (Integer i : m) {
                out[k++] = i;
            }
        }
        return out;
    }

    /**
     * Length buckets: the whole epoch ({@code shuffled}) sorted by length, longest first (ties keep
     * the shuffled order), cut into batches, and the batches put in an order drawn from
     * {@code batchSeed}, the longest batch first (so an out-of-memory shows at once, as with
     * {@link #groupByLength}) and an incomplete batch (the shortest examples) last. The least padding any order of these batches can have; the price is
     * that a batch holds examples of one length band only, which is why it is an option.
     */
    public static int[] bucketByLength(int[] shuffled, int[] lengths, int batchSize, long batchSeed) {
        int n = shuffled.length;
        Integer[] sorted = new Integer[n];
        for (int i = 0; i < n; i++) {
            sorted[i] = shuffled[i];
        }
        Arrays.sort(sorted, Comparator.comparingInt((Integer i) -> lengths[i]).reversed());
        int batches = (n + batchSize - 1) / batchSize;
        int[] batchOrder = new int[batches];
        for (int b = 0; b < batches; b++) {
            batchOrder[b] = b;
        }
        // batch 0 holds the longest examples and stays first; a short last batch stays last, so the
        // trainer's fixed-size cuts still fall on the buckets' edges; the full ones between are shuffled
        int shuffledEnd = n % batchSize == 0 ? batches : batches - 1;
        java.util.SplittableRandom random = new java.util.SplittableRandom(batchSeed);
        for (int i = shuffledEnd - 1; i > 1; i--) {
            int j = 1 + random.nextInt(i);
            int t = batchOrder[i];
            batchOrder[i] = batchOrder[j];
            batchOrder[j] = t;
        }
        int[] out = new int[n];
        int k = 0;
        for (int b : batchOrder) {
            for (int i = b * batchSize; i < Math.min(n, (b + 1) * batchSize); i++) {
                out[k++] = sorted[i];
            }
        }
        return out;
    }

    /**
     * Token positions of {@code order} cut into batches of {@code batchSize}, each padded to its
     * longest: {@code {real, padded}} where padded counts the padding positions only.
     */
    public static long[] padding(int[] order, int[] lengths, int batchSize) {
        long real = 0;
        long pad = 0;
        for (int from = 0; from < order.length; from += batchSize) {
            int to = Math.min(from + batchSize, order.length);
            int max = 0;
            for (int i = from; i < to; i++) {
                max = Math.max(max, lengths[order[i]]);
                real += lengths[order[i]];
            }
            for (int i = from; i < to; i++) {
                pad += max - lengths[order[i]];
            }
        }
        return new long[] {real, pad};
    }

    /** The padding positions if every example were padded to the longest of all ({@code {real, padded}}). */
    public static long[] globalPadding(int[] lengths) {
        long real = 0;
        int max = 0;
        for (int l : lengths) {
            real += l;
            max = Math.max(max, l);
        }
        return new long[] {real, (long) max * lengths.length - real};
    }
}
