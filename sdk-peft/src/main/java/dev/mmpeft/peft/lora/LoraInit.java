package dev.mmpeft.peft.lora;

import java.util.SplittableRandom;

/**
 * PEFT's LoRA initialisations, deterministic for a seed: {@code kaiming_uniform_(a=sqrt(5))} (the
 * {@code nn.Linear} default: uniform in +-1/sqrt(fan_in)), {@code normal_(std=1/r)}, zeros.
 *
 * <p>Each matrix draws from its own stream, seeded by the seed, the adapter name and the module
 * name, so an adapter's starting values do not depend on the order modules are visited in.
 */
public final class LoraInit {
    private LoraInit() {}

    /** The values of lora_A {@code [r, in]}. */
    public static float[] a(InitLoraWeights init, int r, int in, SplittableRandom random) {
        float[] v = new float[r * in];
        if (init == InitLoraWeights.GAUSSIAN) {
            double std = 1.0 / r;
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (gaussian(random) * std);
            }
        } else {
            uniform(v, 1.0 / Math.sqrt(in), random);
        }
        return v;
    }

    /** The values of lora_B {@code [out, r]}: zeros, except with {@link InitLoraWeights#RANDOM}. */
    public static float[] b(InitLoraWeights init, int out, int r, SplittableRandom random) {
        float[] v = new float[out * r];
        if (init == InitLoraWeights.RANDOM) {
            uniform(v, 1.0 / Math.sqrt(r), random);
        }
        return v;
    }

    /** The values of lora_B's bias {@code [out]}: zeros, except with {@link InitLoraWeights#RANDOM} (nn.Linear's bias init). */
    public static float[] bBias(InitLoraWeights init, int out, int r, SplittableRandom random) {
        float[] v = new float[out];
        if (init == InitLoraWeights.RANDOM) {
            uniform(v, 1.0 / Math.sqrt(r), random);
        }
        return v;
    }

    /** The random stream of one matrix. */
    public static SplittableRandom stream(long seed, String adapter, String module, String matrix) {
        long h = 1125899906842597L;
        for (String s : new String[] {adapter, module, matrix}) {
            for (int i = 0; i < s.length(); i++) {
                h = 31 * h + s.charAt(i);
            }
            h = 31 * h + 0x1f;
        }
        return new SplittableRandom(seed ^ h);
    }

    private static void uniform(float[] v, double bound, SplittableRandom random) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
    }

    private static double gaussian(SplittableRandom random) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
