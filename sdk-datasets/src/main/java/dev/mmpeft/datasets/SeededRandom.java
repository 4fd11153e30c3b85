package dev.mmpeft.datasets;

/**
 * A small, fully specified random generator (SplitMix64), so shuffles, splits and synthetic data
 * are identical on every JVM and every JDK version: the JDK's generators other than
 * {@link java.util.Random} do not promise their output across releases.
 *
 * <p>Algorithm: state += 0x9E3779B97F4A7C15; output = mix(state) with SplitMix64's finaliser;
 * {@link #nextInt(int)} rejects the top remainder so every value is equally likely;
 * {@link #nextDouble()} uses the top 53 bits. Not thread-safe; not for cryptography.
 */
public final class SeededRandom {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    /** A generator whose sequence is a function of {@code seed} alone. */
    public SeededRandom(long seed) {
        this.state = seed;
    }

    /** A generator seeded from several numbers at once (a seed, an epoch, a record index ...). */
    public static SeededRandom of(long... keys) {
        return new SeededRandom(hash(keys));
    }

    /** The next 64 random bits. */
    public long nextLong() {
        state += GOLDEN;
        return finalise(state);
    }

    /** Uniform in {@code 0..bound-1}. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be > 0, got " + bound);
        }
        while (true) {
            long bits = nextLong() >>> 1;
            long value = bits % bound;
            if (bits - value + (bound - 1) >= 0) {
                return (int) value;
            }
        }
    }

    /** Uniform in [0, 1). */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [lo, hi). */
    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    /** A 64-bit hash of a sequence of numbers, for deriving independent seeds. */
    public static long hash(long... keys) {
        long h = GOLDEN;
        for (long k : keys) {
            h = finalise(h ^ k) + GOLDEN;
        }
        return h;
    }

    private static long finalise(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
