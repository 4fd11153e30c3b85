package dev.mmpeft.models.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.MmpeftException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The shared math helpers against values computed by hand (Python's math module, double precision). */
class NnMathTest {
    private static final float[] X = {-2f, -0.5f, 0f, 0.5f, 1f, 3f};

    @Test
    void rmsNormIsT5LayerNorm() {
        try (NDManager m = NDManager.newBaseManager()) {
            RmsNorm norm = new RmsNorm(4, 1e-6);
            norm.weight().setArray(m.create(new float[] {1f, 0.5f, 2f, 1f}));
            NDArray out = norm.forward(m.create(new float[] {1, 2, 3, 4}, new Shape(1, 4)));
            assertArrayEquals(new float[] {0.36514835f, 0.36514835f, 2.1908901f, 1.4605934f}, out.toFloatArray(), 1e-6f);
            assertEquals(DataType.FLOAT32, out.getDataType());
        }
    }

    @Test
    void geluVariantsAreDistinctAndExact() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(X);
            float[] geluNew = Activations.of("gelu_new").apply(x).toFloatArray();
            float[] gelu = Activations.of("gelu").apply(x).toFloatArray();
            assertArrayEquals(new float[] {-0.045402306f, -0.15428599f, 0f, 0.34571401f, 0.84119199f, 2.9963626f}, geluNew, 2e-7f);
            assertArrayEquals(new float[] {-0.045500264f, -0.15426877f, 0f, 0.34573123f, 0.84134475f, 2.9959503f}, gelu, 1e-6f);
            assertNotEquals(gelu[4], geluNew[4], 1e-4f, "tanh and erf forms differ");
            assertEquals(0.73105858f, Activations.of("silu").apply(m.create(new float[] {1f})).getFloat(), 1e-7f);
            assertEquals(0f, Activations.of("relu").apply(m.create(new float[] {-1f})).getFloat());
            MmpeftException e = assertThrows(MmpeftException.class, () -> Activations.of("gelu_weird"));
            assertTrue(e.getMessage().contains("gelu_weird") && e.getMessage().contains("gelu_new"), e.getMessage());
        }
    }

    @Test
    void causalMaskCombinesPaddingAndPastLength() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray pad = m.create(new long[][] {{0, 1, 1}});
            float[] bias = Masks.causal(m, pad, 2, 3, 1).toFloatArray();
            float min = Masks.MIN;
            assertArrayEquals(new float[] {min, 0, min, min, 0, 0}, bias, 0f);
            float[] noPad = Masks.causal(m, null, 3, 3, 0).toFloatArray();
            assertArrayEquals(new float[] {0, min, min, 0, 0, min, 0, 0, 0}, noPad, 0f);
            assertArrayEquals(new float[] {min, 0, 0}, Masks.padding(pad).toFloatArray(), 0f);
            assertEquals(new Shape(1, 1, 1, 3), Masks.padding(pad).getShape());
        }
    }

    @Test
    void crossEntropyIgnoresMinus100() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(new float[] {1, 2, 3, 1, 1, 1}, new Shape(2, 3));
            NDArray labels = m.create(new long[] {2, -100});
            NDArray loss = Losses.crossEntropy(logits, labels);
            assertEquals(DataType.FLOAT32, loss.getDataType());
            assertEquals(0.40760596f, loss.getFloat(), 1e-6f);
            assertArrayEquals(new float[] {0.40760596f, 0f}, Losses.tokenCrossEntropy(logits, labels).toFloatArray(), 1e-6f);
            NDArray both = Losses.crossEntropy(logits, m.create(new long[] {2, 0}));
            assertEquals((0.40760596 + Math.log(3)) / 2, both.getFloat(), 1e-6);
            assertTrue(Float.isNaN(Losses.crossEntropy(logits, m.create(new long[] {-100, -100})).getFloat()),
                    "no labelled token: NaN, as torch");
        }
    }

    @Test
    void groupedQueryAttentionEqualsRepeatedKeys() {
        try (NDManager m = NDManager.newBaseManager()) {
            Random r = new Random(3);
            NDArray q = random(m, r, 2, 4, 3, 5);
            NDArray k = random(m, r, 2, 2, 6, 5);
            NDArray v = random(m, r, 2, 2, 6, 5);
            NDArray bias = Masks.causal(m, m.create(new long[][] {{1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1}}), 3, 6, 3);
            NDArray grouped = Attention.attend(q, k, v, 0.5f, bias, 0f, false);
            // transformers' repeat_kv: kv head j serves query heads 2j and 2j+1
            NDArray full = Attention.attend(q, k.repeat(1, 2), v.repeat(1, 2), 0.5f, bias, 0f, false);
            assertEquals(new Shape(2, 4, 3, 5), grouped.getShape());
            assertArrayEquals(full.toFloatArray(), grouped.toFloatArray(), 1e-6f);
            // against a direct computation for one head of one example
            float[] qa = q.toFloatArray();
            float[] ka = k.toFloatArray();
            float[] va = v.toFloatArray();
            float[] ba = bias.toFloatArray();
            int b = 1;
            int h = 3;
            int kvh = 1;
            int i = 2;
            double[] s = new double[6];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < 6; j++) {
                double dot = 0;
                for (int d = 0; d < 5; d++) {
                    dot += qa[(((b * 4 + h) * 3) + i) * 5 + d] * ka[(((b * 2 + kvh) * 6) + j) * 5 + d];
                }
                s[j] = dot * 0.5 + ba[(b * 3 + i) * 6 + j];
                max = Math.max(max, s[j]);
            }
            double z = 0;
            for (int j = 0; j < 6; j++) {
                s[j] = Math.exp(s[j] - max);
                z += s[j];
            }
            float[] g = grouped.toFloatArray();
            for (int d = 0; d < 5; d++) {
                double o = 0;
                for (int j = 0; j < 6; j++) {
                    o += s[j] / z * va[(((b * 2 + kvh) * 6) + j) * 5 + d];
                }
                assertEquals(o, g[(((b * 4 + h) * 3) + i) * 5 + d], 1e-5);
            }
        }
    }

    @Test
    void headsSplitAndMergeRoundTrip() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = random(m, new Random(1), 2, 3, 8);
            NDArray split = Attention.splitHeads(x, 4);
            assertEquals(new Shape(2, 4, 3, 2), split.getShape());
            // head 1 of position 2 of example 0 holds features 2..3 of that position
            assertEquals(x.getFloat(0, 2, 3), split.getFloat(0, 1, 2, 1));
            assertArrayEquals(x.toFloatArray(), Attention.mergeHeads(split).toFloatArray());
        }
    }

    @Test
    void kvCacheAppendsAndReorders() {
        try (NDManager m = NDManager.newBaseManager(); KvCache cache = new KvCache(m, 1)) {
            try (NDManager step = m.newSubManager()) {
                cache.append(0, step.arange(0f, 6f).reshape(3, 1, 1, 2), step.arange(10f, 16f).reshape(3, 1, 1, 2));
            }
            try (NDManager step = m.newSubManager()) {
                NDArray[] full = cache.append(0, step.arange(6f, 12f).reshape(3, 1, 1, 2), step.zeros(new Shape(3, 1, 1, 2)));
                assertEquals(new Shape(3, 1, 2, 2), full[0].getShape());
            }
            assertEquals(2, cache.length(0));
            cache.reorder(new long[] {2, 2, 0});
            assertArrayEquals(new float[] {4, 5, 10, 11, 4, 5, 10, 11, 0, 1, 6, 7}, cache.keys(0).toFloatArray());
        }
    }

    @Test
    void dropoutOnlyInTraining() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.ones(new Shape(1000));
            assertEquals(x, Dropouts.apply(x, 0.5f, false));
            float[] d = Dropouts.apply(x, 0.5f, true).toFloatArray();
            int zeros = 0;
            for (float v : d) {
                assertTrue(v == 0f || v == 2f, "inverted dropout scales kept values by 1/(1-p)");
                zeros += v == 0f ? 1 : 0;
            }
            assertTrue(zeros > 400 && zeros < 600, "about half dropped: " + zeros);
        }
    }

    static NDArray random(NDManager m, Random r, long... shape) {
        Shape s = new Shape(shape);
        float[] a = new float[(int) s.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return m.create(a, s);
    }
}
