package dev.mmpeft.models.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Per-layer scopes free intermediates without changing a single gradient, even when the garbage
 * collector runs between forward and backward and fresh direct buffers reuse freed memory (what
 * corrupts gradients when a saved tensor's Java buffer is freed early).
 */
class ScopesTest {
    /** Two labelled examples for {@code InstructBlipPresets.tiny(t5, 40, 40, null)}, with sine-wave pixels. */
    static InstructBlipInputs tinyInputs(NDManager s, boolean t5) {
        float[] px = new float[2 * 3 * 28 * 28];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) Math.sin(i * 0.37);
        }
        return InstructBlipInputs.builder()
                .pixelValues(s.create(px, new Shape(2, 3, 28, 28)))
                .qformerInputIds(s.create(new long[] {2, 5, 6, 3, 2, 7, 3, 9}, new Shape(2, 4)))
                .inputIds(s.create(new long[] {3, 4, 5, 1, 9, 10, 1, 7}, new Shape(2, 4)))
                .labels(s.create(t5 ? new long[] {9, 10, 1, 12, 1, 3} : new long[] {4, 5, 1, 10, 1, 7}, new Shape(2, 3)))
                .build();
    }

    private static Map<String, float[]> gradients(boolean t5, boolean scopes) {
        boolean before = Scopes.inTraining();
        Scopes.setInTraining(scopes);
        try (InstructBlip m = InstructBlip.random(InstructBlipPresets.tiny(t5, 40, 40, null), 5, 0.1f);
                NDManager s = NDManager.newBaseManager()) {
            m.setTraining(false);
            m.namedParameters().values().forEach(p -> p.getArray().setRequiresGradient(true));
            InstructBlipInputs in = tinyInputs(s, t5);
            boolean grad = JniUtils.isGradMode();
            JniUtils.setGradMode(true);
            try {
                NDArray loss = m.forward(in).loss().orElseThrow();
                for (int k = 0; k < 3; k++) {
                    System.gc();
                    List<ByteBuffer> junk = new ArrayList<>();
                    for (int i = 0; i < 20000; i++) {
                        ByteBuffer b = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder());
                        for (int j = 0; j < 16; j++) {
                            b.putFloat(j * 4, 1e30f);
                        }
                        junk.add(b);
                    }
                }
                try (NDArray ones = loss.onesLike()) {
                    JniUtils.backward((ai.djl.pytorch.engine.PtNDArray) loss, (ai.djl.pytorch.engine.PtNDArray) ones, false, false);
                }
            } finally {
                JniUtils.setGradMode(grad);
            }
            Map<String, float[]> out = new TreeMap<>();
            m.namedParameters().forEach((k, p) -> out.put(k, p.getArray().getGradient().toFloatArray()));
            return out;
        } finally {
            Scopes.setInTraining(before);
        }
    }

    @Test
    void gradientsAreBitIdenticalWithAndWithoutLayerScopes() {
        for (boolean t5 : new boolean[] {true, false}) {
            Map<String, float[]> plain = gradients(t5, false);
            Map<String, float[]> scoped = gradients(t5, true);
            assertEquals(plain.keySet(), scoped.keySet());
            int nonZero = 0;
            for (String k : plain.keySet()) {
                assertArrayEquals(plain.get(k), scoped.get(k), (t5 ? "t5 " : "llama ") + k);
                for (float v : plain.get(k)) {
                    nonZero += v != 0 && Float.isFinite(v) ? 1 : 0;
                }
            }
            assertTrue(nonZero > 1000, "gradients reached the model: " + nonZero + " non-zero values");
        }
    }
}
