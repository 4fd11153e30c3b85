package dev.mmpeft.core.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SgdAndClippingTest {
    @Test
    void sgdMomentumAsTorch() {
        // torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=0.01): d = g + wd*p; buf = d (first), then 0.9*buf + d
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(new float[] {1f, -1f}, new Shape(1, 2));
            double[] ref = {1, -1};
            double[] buf = new double[2];
            float[][] gs = {{0.5f, 0.2f}, {-0.3f, 0.1f}, {0.05f, -0.4f}};
            try (Optimizer opt = Sgd.lr(0.1).momentum(0.9).weightDecay(0.01).create(Map.of("w", p))) {
                for (int s = 0; s < gs.length; s++) {
                    opt.step(0.1, Map.of("w", m.create(gs[s], new Shape(1, 2))));
                    for (int i = 0; i < 2; i++) {
                        double d = gs[s][i] + 0.01 * ref[i];
                        buf[i] = s == 0 ? d : 0.9 * buf[i] + d;
                        ref[i] -= 0.1 * buf[i];
                    }
                }
            }
            float[] got = p.toFloatArray();
            assertEquals(ref[0], got[0], 1e-6);
            assertEquals(ref[1], got[1], 1e-6);
        }
    }

    @Test
    void sgdNesterovAndPlain() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(new float[] {2f}, new Shape(1, 1));
            try (Optimizer opt = Sgd.lr(0.5).momentum(0.5).nesterov(true).create(Map.of("w", p))) {
                opt.step(0.5, Map.of("w", m.create(new float[] {1f}, new Shape(1, 1)))); // buf=1, d=1+0.5*1=1.5
                assertEquals(2 - 0.75, p.toFloatArray()[0], 1e-6);
                opt.step(0.5, Map.of("w", m.create(new float[] {1f}, new Shape(1, 1)))); // buf=1.5, d=1+0.75
                assertEquals(1.25 - 0.875, p.toFloatArray()[0], 1e-6);
            }
            NDArray q = m.create(new float[] {2f}, new Shape(1));
            try (Optimizer opt = Sgd.lr(0.5).create(Map.of("b", q))) {
                opt.step(0.25, Map.of("b", m.create(new float[] {4f}, new Shape(1))));
                assertEquals(1f, q.toFloatArray()[0], 1e-7);
                assertTrue(opt.stateTensors().isEmpty(), "plain SGD keeps no state");
            }
        }
    }

    @Test
    void globalNormClipsLikeClipGradNorm() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3f, 0f});
            NDArray b = m.create(new float[] {0f, 4f, 0f}, new Shape(1, 3));
            double total = GradientClipping.clipByGlobalNorm(List.of(a, b), 1.0, m);
            assertEquals(5.0, total, 1e-6);
            // scaled by 1 / (5 + 1e-6)
            assertEquals(3.0 / (5 + 1e-6), a.toFloatArray()[0], 1e-7);
            assertEquals(4.0 / (5 + 1e-6), b.toFloatArray()[1], 1e-7);
            assertEquals(1.0, GradientClipping.globalNorm(List.of(a, b), m), 1e-6);
            // under the limit: untouched (coefficient clamped to 1)
            NDArray c = m.create(new float[] {0.3f, 0.4f});
            assertEquals(0.5, GradientClipping.clipByGlobalNorm(List.of(c), 1.0, m), 1e-6);
            assertEquals(0.3f, c.toFloatArray()[0]);
            assertEquals(1f, GradientClipping.clipCoefficient(0.5, 1.0));
            // it is a norm clip, not a per-element clamp: small elements shrink too
            NDArray d = m.create(new float[] {10f, 0.01f});
            GradientClipping.clipByGlobalNorm(List.of(d), 1.0, m);
            assertEquals(0.01 / 10.000005, d.toFloatArray()[1], 1e-8);
            assertFalse(Double.isFinite(GradientClipping.globalNorm(List.of(m.create(new float[] {Float.NaN})), m)));
        }
    }

    @Test
    void weightDecayGroupsFollowLavis() {
        WeightDecayGroups g = WeightDecayGroups.lavis();
        assertTrue(g.decays("qformer.encoder.layer.0.attention.attention.query.lora_A.weight", new Shape(2, 768)));
        assertFalse(g.decays("qformer.encoder.layer.0.attention.attention.query.bias", new Shape(768)));
        assertFalse(g.decays("query_tokens", new Shape(1, 32, 768).size() > 0 ? new Shape(32) : new Shape(1)));
        assertFalse(g.decays("vision_model.post_layernorm.weight", new Shape(768)));
        assertFalse(g.decays("language_model.encoder.block.0.layer.0.layer_norm.weight", new Shape(2048, 1)));
        assertFalse(g.decays("visual_encoder.blocks.0.ln_1.weight", new Shape(4, 4)));
        assertTrue(g.decays("query_tokens", new Shape(1, 32, 768)));
        assertTrue(WeightDecayGroups.all().decays("x.bias", new Shape(4)));
    }
}
