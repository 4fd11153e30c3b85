package dev.mmpeft.core.train.internal;

import java.util.SplittableRandom;

/**
 * The order of the training data and the seeds of a run, as pure functions of (seed, epoch, step):
 * nothing random is carried from one step to the next, so a resumed run sees exactly the order
 * and dropout masks of the run it continues, whatever happened before the interruption.
 */
public final class DataOrder {
    private DataOrder() {}

    /** The example indices of {@code epoch}: a seeded Fisher-Yates shuffle, or 0..n-1. */
    public static int[] epochOrder(int n, long seed, int epoch, boolean shuffle) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom random = new SplittableRandom(mix(seed, 0x5EED_0000_0000_0000L + epoch));
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    /** The engine seed for micro-batch {@code micro} of optimizer step {@code step}. */
    public static int stepSeed(long seed, long step, int micro) {
        return (int) (mix(mix(seed, step), micro) >>> 33);
    }

    /** SplitMix64 finaliser of two longs: well-spread and the same on every JVM. */
    static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
