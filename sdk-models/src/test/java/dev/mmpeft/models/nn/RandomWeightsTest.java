package dev.mmpeft.models.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Random weights are part of what makes an experiment reproducible (the bench model, the tiny
 * models tests write, the default model's pre-training start from them): the same seed must give
 * the same values in every version, whatever the filling code looks like.
 */
class RandomWeightsTest {
    /**
     * A position-weighted sum over every value of a seeded tiny InstructBLIP-FlanT5, as the first
     * implementation of {@link Weights#initRandom} (which built each tensor in a Java array) gave it.
     */
    private static final double TINY_SEED_7_STD_01 = 18262.25921334259;

    @Test
    void theSameSeedGivesTheSameWeightsAsEver() {
        assertEquals(TINY_SEED_7_STD_01, checksum(7), 1e-6);
        assertNotEquals(TINY_SEED_7_STD_01, checksum(8), 1.0, "another seed, other weights");
    }

    @Test
    void normsAreOneBiasesZeroAndWeightsDrawnWithTheStandardDeviation() {
        try (InstructBlip m = InstructBlip.random(InstructBlipPresets.tiny(true, 40, 40, null), 7, 0.1f)) {
            Map<String, ai.djl.nn.Parameter> p = m.namedParameters();
            for (float v : p.get("vision_model.post_layernorm.weight").getArray().toFloatArray()) {
                assertEquals(1f, v);
            }
            for (float v : p.get("vision_model.post_layernorm.bias").getArray().toFloatArray()) {
                assertEquals(0f, v);
            }
            float[] w = p.get("language_model.shared.weight").getArray().toFloatArray();
            double sq = 0;
            for (float v : w) {
                sq += v * v;
            }
            assertEquals(0.1, Math.sqrt(sq / w.length), 0.01, "standard deviation of " + w.length + " draws");
        }
    }

    private static double checksum(long seed) {
        try (InstructBlip m = InstructBlip.random(InstructBlipPresets.tiny(true, 40, 40, null), seed, 0.1f)) {
            double s = 0;
            long i = 0;
            for (var e : m.namedParameters().entrySet()) {
                for (float f : e.getValue().getArray().toFloatArray()) {
                    s += f * (++i % 97);
                }
            }
            return s;
        }
    }
}
