package dev.mmpeft.models.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.train.ActivationCheckpointing;
import dev.mmpeft.core.train.Autograd;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Activation checkpointing on InstructBLIP (T5 and LLaMA backbones, every tensor trainable, so the
 * shared T5 position bias and the encoder output the decoder attends to are back-propagated through
 * from several recomputed layers): the same loss and gradients as without it, layer by layer
 * recomputation that reproduces the first run exactly, dropout included.
 */
class ActivationCheckpointingTest {
    /** The loss and every parameter's gradient of one forward and backward pass. */
    private static Map<String, float[]> gradients(boolean t5, boolean training, boolean checkpointing, int[] checkpointed) {
        try (InstructBlip m = InstructBlip.random(InstructBlipPresets.tiny(t5, 40, 40, null), 5, 0.1f);
                NDManager s = NDManager.newBaseManager();
                Autograd.GradMode on = Autograd.gradMode(true)) {
            m.setTraining(training);
            m.namedParameters().values().forEach(p -> p.getArray().setRequiresGradient(true));
            InstructBlipInputs in = ScopesTest.tinyInputs(s, t5);
            Engine.getInstance().setRandomSeed(7);
            Map<String, float[]> out = new TreeMap<>();
            try (ActivationCheckpointing.Session session = checkpointing ? ActivationCheckpointing.open(s) : null) {
                NDArray loss = m.forward(in).loss().orElseThrow();
                out.put("(loss)", loss.toFloatArray());
                if (session == null) {
                    Autograd.backward(loss);
                } else {
                    checkpointed[0] = session.pending();
                    session.backward(loss);
                    assertEquals(0, session.pending(), "every checkpointed layer was back-propagated");
                }
            }
            m.namedParameters().forEach((k, p) -> out.put(k, p.getArray().getGradient().toFloatArray()));
            return out;
        }
    }

    private static void assertSame(Map<String, float[]> expected, Map<String, float[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet());
        int nonZero = 0;
        for (String k : expected.keySet()) {
            float[] e = expected.get(k);
            float[] a = actual.get(k);
            for (int i = 0; i < e.length; i++) {
                // a recomputed layer runs the same kernels on the same inputs; summation order of accumulated gradients may differ in the last bits
                assertEquals(e[i], a[i], 1e-6 + 1e-5 * Math.abs(e[i]), what + " " + k + "[" + i + "]");
                nonZero += e[i] != 0 && Float.isFinite(e[i]) ? 1 : 0;
            }
        }
        assertTrue(nonZero > 1000, what + ": gradients reached the model: " + nonZero + " non-zero values");
    }

    private static int nonZero(Map<String, float[]> gradients) {
        int n = 0;
        for (float[] g : gradients.values()) {
            for (float v : g) {
                n += v != 0 && Float.isFinite(v) ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void withoutDropoutTheGradientsAreThoseOfTheModelWithoutCheckpointing() {
        for (boolean t5 : new boolean[] {true, false}) {
            int[] layers = new int[1];
            Map<String, float[]> plain = gradients(t5, false, false, layers);
            Map<String, float[]> checkpointed = gradients(t5, false, true, layers);
            // vision, Q-Former and language-model layers each kept only their input
            assertTrue(layers[0] >= 6, "checkpointed layers: " + layers[0]);
            assertSame(plain, checkpointed, t5 ? "t5" : "llama");
        }
    }

    @Test
    void withDropoutEachLayersSecondRunDrawsTheSameMasks() {
        ActivationCheckpointing.verifyReplays(true);
        try {
            for (boolean t5 : new boolean[] {true, false}) {
                int[] layers = new int[1];
                Map<String, float[]> first = gradients(t5, true, true, layers);
                Map<String, float[]> second = gradients(t5, true, true, layers);
                // verifyReplays threw if any recomputed layer differed from its first run; the runs are deterministic
                for (String k : first.keySet()) {
                    assertArrayEquals(first.get(k), second.get(k), k);
                }
                Map<String, float[]> evalMode = gradients(t5, false, true, layers);
                assertNotEquals(first.get("(loss)")[0], evalMode.get("(loss)")[0], "dropout was active in training mode");
                assertTrue(nonZero(first) > 1000, "gradients reached the model: " + nonZero(first));
            }
        } finally {
            ActivationCheckpointing.verifyReplays(false);
        }
    }
}
