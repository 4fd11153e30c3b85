package dev.mmpeft.datasets;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Deterministic shuffling and splitting: the same seed gives the same order and the same splits
 * on every machine ({@link SeededRandom}), so a run can be repeated or resumed exactly.
 *
 * <ul>
 *   <li>{@link #shuffle} / {@link #permutation}: Fisher-Yates (from the last position down,
 *       swapping with a uniform earlier-or-same position).
 *   <li>{@link #split}: shuffle, then cut by fractions (sizes by largest remainder, so they add up).
 *   <li>{@link #bucket}: a split by hash of the id: streaming, order-independent, stable when
 *       records are added.
 *   <li>{@link #shuffleBuffered}: a bounded-memory shuffle of a stream (a buffer of N records,
 *       each output drawn uniformly from it), for datasets too large to hold.
 * </ul>
 */
public final class DataSplits {
    private DataSplits() {}

    /** A random order of {@code 0..n-1}. */
    public static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SeededRandom rng = new SeededRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** The order of epoch {@code epoch} of a run seeded with {@code seed}: a new permutation per epoch. */
    public static int[] permutation(int n, long seed, long epoch) {
        return permutation(n, SeededRandom.hash(seed, epoch));
    }

    /** The items in a random order. */
    public static <T> List<T> shuffle(Collection<T> items, long seed) {
        List<T> in = new ArrayList<>(items);
        int[] p = permutation(in.size(), seed);
        ImmutableList.Builder<T> out = ImmutableList.builderWithExpectedSize(in.size());
        for (int i : p) {
            out.add(in.get(i));
        }
        return out.build();
    }

    /**
     * Shuffles and cuts {@code items} into named parts of the given fractions (which must sum to
     * 1 within 1e-9): {@code split(all, 7, Map.of("train", 0.8, "val", 0.2))}. Parts are cut from
     * the shuffled list in the alphabetical order of their names, so the result does not depend
     * on the map's iteration order. Part sizes are the floors of n x fraction with the leftover
     * records going to the largest remainders (ties to the earlier part), so they add up to n.
     */
    public static <T> Map<String, List<T>> split(Collection<T> items, long seed, Map<String, Double> fractions) {
        checkFractions(fractions);
        List<T> shuffled = shuffle(items, seed);
        int n = shuffled.size();
        List<String> names = fractions.keySet().stream().sorted().toList(); // any Map gives the same cut
        int[] sizes = new int[names.size()];
        double[] rest = new double[names.size()];
        int used = 0;
        for (int k = 0; k < names.size(); k++) {
            double exact = n * fractions.get(names.get(k));
            sizes[k] = (int) Math.floor(exact);
            rest[k] = exact - sizes[k];
            used += sizes[k];
        }
        for (int left = n - used; left > 0; left--) {
            int best = 0;
            for (int k = 1; k < names.size(); k++) {
                if (rest[k] > rest[best]) {
                    best = k;
                }
            }
            sizes[best]++;
            rest[best] = -1;
        }
        Map<String, List<T>> out = new LinkedHashMap<>();
        int from = 0;
        for (int k = 0; k < names.size(); k++) {
            out.put(names.get(k), shuffled.subList(from, from + sizes[k]));
            from += sizes[k];
        }
        return ImmutableMap.copyOf(out);
    }

    /**
     * The part an id belongs to, from a hash of seed and id alone: the same id always lands in
     * the same part, whatever the order or number of records (fractions as in {@link #split};
     * each id lands in a part with probability equal to its fraction).
     */
    public static String bucket(String id, long seed, Map<String, Double> fractions) {
        checkFractions(fractions);
        double u = new SeededRandom(SeededRandom.hash(seed, stringHash(id))).nextDouble();
        double acc = 0;
        String last = "";
        for (String name : fractions.keySet().stream().sorted().toList()) {
            acc += fractions.get(name);
            last = name;
            if (u < acc) {
                return last;
            }
        }
        return last;
    }

    /**
     * A shuffled view of a stream that holds at most {@code buffer} records: the first
     * {@code buffer} fill it, then each output is drawn uniformly from it and replaced by the next
     * input. A larger buffer shuffles more thoroughly; {@code buffer} = the dataset size is a
     * full shuffle. Deterministic for a seed and an input order.
     */
    public static <T> Stream<T> shuffleBuffered(Stream<T> input, int buffer, long seed) {
        if (buffer < 1) {
            throw new IllegalArgumentException("buffer must be >= 1, got " + buffer);
        }
        Iterator<T> in = input.iterator();
        SeededRandom rng = new SeededRandom(seed);
        Iterator<T> out = new Iterator<>() {
            private final List<T> pool = new ArrayList<>(Math.min(buffer, 1 << 16));

            private void fill() {
                while (pool.size() < buffer && in.hasNext()) {
                    pool.add(in.next());
                }
            }

            @Override
            public boolean hasNext() {
                fill();
                return !pool.isEmpty();
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int k = rng.nextInt(pool.size());
                T item = pool.get(k);
                T lastItem = pool.remove(pool.size() - 1);
                if (k < pool.size()) {
                    pool.set(k, lastItem);
                }
                return item;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(out, Spliterator.ORDERED), false)
                .onClose(input::close);
    }

    private static long stringHash(String s) {
        long h = 1125899906842597L;
        for (int i = 0; i < s.length(); i++) {
            h = 31 * h + s.charAt(i);
        }
        return h;
    }

    private static void checkFractions(Map<String, Double> fractions) {
        if (fractions.isEmpty()) {
            throw new IllegalArgumentException("fractions must name at least one part");
        }
        double sum = 0;
        for (Map.Entry<String, Double> e : fractions.entrySet()) {
            if (e.getValue() < 0 || e.getValue().isNaN()) {
                throw new IllegalArgumentException("fraction of '" + e.getKey() + "' must be >= 0, got " + e.getValue());
            }
            sum += e.getValue();
        }
        if (Math.abs(sum - 1) > 1e-9) {
            throw new IllegalArgumentException("fractions must sum to 1, got " + sum + " for " + fractions);
        }
    }
}
