package dev.mmpeft.models.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
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
            float[] px = new float[2 * 3 * 28 * 28];
            for (int i = 0; i < px.length; i++) {
                px[i] = (float) Math.sin(i * 0.37);
            }
            InstructBlipInputs in = InstructBlipInputs.builder()
                    .pixelValues(s.create(px, new Shape(2, 3, 28, 28)))
                    .qformerInputIds(s.create(new long[] {2, 5, 6, 3, 2, 7, 3, 9}, new Shape(2, 4)))
                    .inputIds(s.create(new long[] {3, 4, 5, 1, 9, 10, 1, 7}, new Shape(2, 4)))
                    .labels(s.create(t5 ? new long[] {9, 10, 1, 12, 1, 3} : new long[] {4, 5, 1, 10, 1, 7}, new Shape(2, 3)))
                    .build();
            Engine.getInstance().setRandomSeed(7);
            Map<String, float[]> out = new TreeMap<>();
            try (ActivationCheckpointing.Session session = checkpointing ? ActivationCheckpointing.open(s) : null) {
                NDArray loss = m.forward(in).loss().orElseThrow();
                out.put("(loss)", loss.toFloatArray());
                if (session != null) {
                    checkpointed[0] = session.pending();
                }
                try (NDArray ones = loss.onesLike()) {
                    JniUtils.backward((PtNDArray) loss, (PtNDArray) ones, false, false);
                }
                if (session != null) {
                    session.backward();
                    assertEquals(0, session.pending());
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
