package dev.mmpeft.core.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

/**
 * Mutations of binary files for fuzz tests: truncation at a random offset, random byte flips,
 * inserted or deleted bytes, appended garbage, and little-endian length fields overwritten with
 * the values that break readers (0, -1, the type's limits, just past the end of the file).
 */
public final class ByteMutations {
    private ByteMutations() {}

    /** One random mutation of {@code seed} (which is not changed). */
    public static byte[] mutate(byte[] seed, Random r, Mutation m) {
        switch (r.nextInt(6)) {
            case 0:
                return truncate(seed, r, m);
            case 1:
                return flip(seed, 0, seed.length, r, m);
            case 2: {
                int at = r.nextInt(seed.length + 1);
                int n = 1 + r.nextInt(16);
                m.describe("insert " + n + " random bytes at " + at);
                byte[] extra = new byte[n];
                r.nextBytes(extra);
                byte[] out = new byte[seed.length + n];
                System.arraycopy(seed, 0, out, 0, at);
                System.arraycopy(extra, 0, out, at, n);
                System.arraycopy(seed, at, out, at + n, seed.length - at);
                return out;
            }
            case 3: {
                if (seed.length == 0) {
                    return seed;
                }
                int at = r.nextInt(seed.length);
                int n = 1 + r.nextInt(Math.min(16, seed.length - at));
                m.describe("delete " + n + " bytes at " + at);
                byte[] out = new byte[seed.length - n];
                System.arraycopy(seed, 0, out, 0, at);
                System.arraycopy(seed, at + n, out, at, seed.length - at - n);
                return out;
            }
            case 4: {
                int n = 1 + r.nextInt(64);
                m.describe("append " + n + " random bytes");
                byte[] out = Arrays.copyOf(seed, seed.length + n);
                for (int k = seed.length; k < out.length; k++) {
                    out[k] = (byte) r.nextInt(256);
                }
                return out;
            }
            default:
                return r.nextBoolean() ? overwriteInt(seed, r.nextInt(Math.max(1, seed.length / 4)) * 4, r, m)
                        : overwriteLong(seed, r.nextInt(Math.max(1, seed.length / 8)) * 8, r, m);
        }
    }

    /** The first {@code n} bytes, {@code n} random below the length. */
    public static byte[] truncate(byte[] seed, Random r, Mutation m) {
        int at = r.nextInt(Math.max(1, seed.length));
        m.describe("truncate to " + at + " bytes");
        return Arrays.copyOf(seed, at);
    }

    /** 1 to 16 bytes in {@code [from, to)} set to random values. */
    public static byte[] flip(byte[] seed, int from, int to, Random r, Mutation m) {
        byte[] out = seed.clone();
        int flips = 1 + r.nextInt(16);
        m.describe("flip " + flips + " bytes in [" + from + ", " + to + ")");
        for (int k = 0; k < flips && to > from; k++) {
            out[from + r.nextInt(to - from)] = (byte) r.nextInt(256);
        }
        return out;
    }

    /** The little-endian int32 at {@code at} replaced by a value that breaks length fields. */
    public static byte[] overwriteInt(byte[] seed, int at, Random r, Mutation m) {
        if (at + 4 > seed.length) {
            return truncate(seed, r, m);
        }
        int old = ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
        int[] values = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, seed.length, seed.length - at, old + 1, old - 1, old * 256};
        int v = values[r.nextInt(values.length)];
        m.describe("int32 at " + at + ": " + old + " -> " + v);
        byte[] out = seed.clone();
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
        return out;
    }

    /** The little-endian int64 at {@code at} replaced by a value that breaks length fields. */
    public static byte[] overwriteLong(byte[] seed, int at, Random r, Mutation m) {
        if (at + 8 > seed.length) {
            return truncate(seed, r, m);
        }
        long old = ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN).getLong(at);
        long[] values = {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 31, 1L << 32, seed.length, seed.length - at,
            old + 1, old - 1, old + r.nextInt(64) - 32, r.nextLong()};
        long v = values[r.nextInt(values.length)];
        m.describe("int64 at " + at + ": " + old + " -> " + v);
        byte[] out = seed.clone();
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
        return out;
    }
}
