package dev.mmpeft.peft.bottleneck;

import dev.mmpeft.peft.PeftException;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How new bottleneck adapters start, as AdapterHub's {@code init_weights}: {@code mam_adapter}
 * (the default here: the up-projection is zero, so the model is unchanged at step 0) or
 * {@code bert} (every weight N(0, 0.02): the adapter changes outputs from the start).
 */
public enum BottleneckInit {
    /** Down-projection {@code kaiming_uniform_(a=sqrt(5))} (uniform in +-1/sqrt(width)), up-projection and biases zero. */
    MAM_ADAPTER("mam_adapter"),
    /** Both weights N(0, 0.02), biases zero (AdapterHub's default, which is not an identity at step 0). */
    BERT("bert");

    private final String jsonValue;

    BottleneckInit(String jsonValue) {
        this.jsonValue = jsonValue;
    }

    /** The value in adapter_config.json. */
    public String jsonValue() {
        return jsonValue;
    }

    /** Parses {@code mam_adapter} or {@code bert}. */
    public static BottleneckInit parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (BottleneckInit i : values()) {
            if (i.jsonValue.equals(t)) {
                return i;
            }
        }
        throw new PeftException("init_weights: unknown value '" + text + "'; expected mam_adapter or bert");
    }

    /** The down-projection's weight {@code [size, width]}. */
    float[] down(int size, int width, SplittableRandom random) {
        float[] v = new float[size * width];
        if (this == BERT) {
            normal(v, 0.02, random);
        } else {
            double bound = 1.0 / Math.sqrt(width);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            }
        }
        return v;
    }

    /** The up-projection's weight {@code [width, size]}: zeros, except with {@link #BERT}. */
    float[] up(int width, int size, SplittableRandom random) {
        float[] v = new float[width * size];
        if (this == BERT) {
            normal(v, 0.02, random);
        }
        return v;
    }

    private static void normal(float[] v, double std, SplittableRandom random) {
        for (int i = 0; i < v.length; i++) {
            double u1 = random.nextDouble();
            double u2 = random.nextDouble();
            v[i] = (float) (Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2) * std);
        }
    }
}
