package dev.mmpeft.peft.dma;

import java.util.SplittableRandom;

/** PETAL's initial values, as its PyTorch code draws them (distributions, not PyTorch's exact streams). */
final class DmaInit {
    private DmaInit() {}

    /** {@code nn.Linear}'s default weight (Kaiming-uniform, a = sqrt(5)): U(-1/sqrt(in), 1/sqrt(in)). */
    static float[] linear(int out, int in, SplittableRandom random) {
        return uniform(out * in, 1.0 / Math.sqrt(in), random);
    }

    /**
     * {@code nn.init.xavier_uniform_} on a tensor of {@code shape}: U(-b, b) with
     * {@code b = sqrt(6 / (fan_in + fan_out))}, {@code fan_in = shape[1] * receptive},
     * {@code fan_out = shape[0] * receptive}, {@code receptive} the product of the dimensions after the second.
     */
    static float[] xavierUniform(long[] shape, SplittableRandom random) {
        long receptive = 1;
        for (int i = 2; i < shape.length; i++) {
            receptive *= shape[i];
        }
        long fanIn = shape[1] * receptive;
        long fanOut = shape[0] * receptive;
        long n = shape[0] * shape[1] * receptive;
        return uniform(Math.toIntExact(n), Math.sqrt(6.0 / (fanIn + fanOut)), random);
    }

    /** N(0, std) values (zeros for std 0). */
    static float[] normal(int n, double std, SplittableRandom random) {
        float[] v = new float[n];
        if (std > 0) {
            for (int i = 0; i < n; i += 2) {
                // Box-Muller: two normals per pair of uniforms
                double u1 = Math.max(random.nextDouble(), 1e-300);
                double u2 = random.nextDouble();
                double rad = Math.sqrt(-2 * Math.log(u1));
                v[i] = (float) (std * rad * Math.cos(2 * Math.PI * u2));
                if (i + 1 < n) {
                    v[i + 1] = (float) (std * rad * Math.sin(2 * Math.PI * u2));
                }
            }
        }
        return v;
    }

    private static float[] uniform(int n, double bound, SplittableRandom random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return v;
    }
}
