package dev.mmpeft.core.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.train.TrainingException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AdamWTest {
    /** torch.optim.AdamW's single-tensor update, written out in double precision, one element at a time. */
    static final class Reference {
        final double[] p;
        final double[] m;
        final double[] v;
        long t;

        Reference(float[] p0) {
            p = new double[p0.length];
            for (int i = 0; i < p0.length; i++) {
                p[i] = p0[i];
            }
            m = new double[p0.length];
            v = new double[p0.length];
        }

        void step(float[] g, double lr, double b1, double b2, double eps, double wd) {
            t++;
            double bc1 = 1 - Math.pow(b1, t);
            double bc2 = 1 - Math.pow(b2, t);
            for (int i = 0; i < p.length; i++) {
                p[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + eps;
                p[i] -= (lr / bc1) * m[i] / denom;
            }
        }
    }

    private static float[] gaussian(Random r, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (scale * r.nextGaussian());
        }
        return out;
    }

    @Test
    void defaultsArePyTorchs() {
        AdamW a = AdamW.lr(1e-3);
        assertEquals(0.9, a.beta1());
        assertEquals(0.999, a.beta2());
        assertEquals(1e-8, a.eps());
        assertEquals(0.01, a.weightDecay());
        assertEquals(0.05, a.weightDecay(0.05).weightDecay());
        assertEquals(1e-3, a.weightDecay(0.05).lr());
    }

    @Test
    void firstStepByHand() {
        // step 1 from zero moments: m_hat = g, v_hat = g^2, so p1 = p0 * (1 - lr*wd) - lr * g / (|g| + eps)
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(new float[] {1.0f, -2.0f, 0.5f});
            NDArray g = m.create(new float[] {0.5f, -0.25f, 4.0f});
            Map<String, NDArray> params = Map.of("w", p.reshape(new Shape(1, 3)));
            try (Optimizer opt = AdamW.lr(0.1).weightDecay(0.5).create(params)) {
                opt.step(0.1, Map.of("w", g.reshape(new Shape(1, 3))));
            }
            float[] got = params.get("w").toFloatArray();
            assertEquals(1.0 * 0.95 - 0.1, got[0], 1e-6);
            assertEquals(-2.0 * 0.95 + 0.1, got[1], 1e-6);
            assertEquals(0.5 * 0.95 - 0.1, got[2], 1e-6);
        }
    }

    @Test
    void matchesTorchAlgorithmOverManySteps() {
        Random r = new Random(7);
        double lr = 1e-2;
        double wd = 0.05;
        try (NDManager m = NDManager.newBaseManager()) {
            float[] w0 = gaussian(r, 12, 1.0);
            float[] b0 = gaussian(r, 4, 1.0);
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("layer.weight", m.create(w0, new Shape(4, 3)));
            params.put("layer.bias", m.create(b0, new Shape(4)));
            Reference rw = new Reference(w0);
            Reference rb = new Reference(b0);
            try (Optimizer opt = AdamW.lr(lr).weightDecay(wd).create(params)) {
                for (int s = 0; s < 10; s++) {
                    double stepLr = lr * (1 - s / 20.0);
                    float[] gw = gaussian(r, 12, 0.3);
                    float[] gb = gaussian(r, 4, 0.3);
                    try (NDManager scope = m.newSubManager()) {
                        opt.step(stepLr, Map.of(
                                "layer.weight", scope.create(gw, new Shape(4, 3)),
                                "layer.bias", scope.create(gb, new Shape(4))));
                    }
                    rw.step(gw, stepLr, 0.9, 0.999, 1e-8, wd);
                    rb.step(gb, stepLr, 0.9, 0.999, 1e-8, 0.0); // LAVIS: no decay on the bias
                }
                assertEquals(10L, opt.stepCounts().get("layer.weight"));
            }
            float[] w = params.get("layer.weight").toFloatArray();
            float[] b = params.get("layer.bias").toFloatArray();
            for (int i = 0; i < w.length; i++) {
                assertEquals(rw.p[i], w[i], 1e-6, "weight " + i);
            }
            for (int i = 0; i < b.length; i++) {
                assertEquals(rb.p[i], b[i], 1e-6, "bias " + i);
            }
        }
    }

    @Test
    void savedStateContinuesExactly() {
        Random r = new Random(3);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] w0 = gaussian(r, 6, 1.0);
            float[][] grads = new float[6][];
            for (int s = 0; s < 6; s++) {
                grads[s] = gaussian(r, 6, 0.5);
            }
            NDArray straight = m.create(w0, new Shape(2, 3));
            try (Optimizer opt = AdamW.lr(0.05).create(Map.of("w", straight))) {
                for (float[] g : grads) {
                    opt.step(0.05, Map.of("w", m.create(g, new Shape(2, 3))));
                }
            }
            NDArray resumed = m.create(w0, new Shape(2, 3));
            Map<String, NDArray> saved = new LinkedHashMap<>();
            Map<String, Long> steps;
            try (Optimizer first = AdamW.lr(0.05).create(Map.of("w", resumed))) {
                for (int s = 0; s < 3; s++) {
                    first.step(0.05, Map.of("w", m.create(grads[s], new Shape(2, 3))));
                }
                first.stateTensors().forEach((k, v) -> saved.put(k, m.create(v.toFloatArray(), v.getShape())));
                steps = first.stepCounts();
            }
            assertEquals(Map.of("w", 3L), steps);
            assertTrue(saved.keySet().containsAll(java.util.List.of("w.exp_avg", "w.exp_avg_sq")));
            try (Optimizer second = AdamW.lr(0.05).create(Map.of("w", resumed))) {
                second.loadState(saved, steps, "test");
                for (int s = 3; s < 6; s++) {
                    second.step(0.05, Map.of("w", m.create(grads[s], new Shape(2, 3))));
                }
            }
            float[] a = straight.toFloatArray();
            float[] b = resumed.toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 0.0, "element " + i);
            }
        }
    }

    @Test
    void loadRefusesForeignState() {
        try (NDManager m = NDManager.newBaseManager();
                Optimizer opt = AdamW.lr(0.1).create(Map.of("w", m.zeros(new Shape(2, 2))))) {
            TrainingException e = assertThrows(TrainingException.class,
                    () -> opt.loadState(Map.of("w.exp_avg", m.zeros(new Shape(3))), Map.of("w", 1L), "ckpt"));
            assertTrue(e.getMessage().contains("shape"), e.getMessage());
            e = assertThrows(TrainingException.class,
                    () -> opt.loadState(Map.of("v.exp_avg", m.zeros(new Shape(2, 2))), Map.of(), "ckpt"));
            assertTrue(e.getMessage().contains("'v.exp_avg'"), e.getMessage());
        }
    }

    @Test
    void badSettingsNameTheField() {
        TrainingException e = assertThrows(TrainingException.class, () -> AdamW.lr(-1));
        assertEquals("AdamW.lr must be a finite number >= 0, got -1.0", e.getMessage());
        e = assertThrows(TrainingException.class, () -> AdamW.lr(1e-3).betas(0.9, 1.0));
        assertTrue(e.getMessage().startsWith("AdamW.beta2 must be in [0, 1)"), e.getMessage());
    }
}
