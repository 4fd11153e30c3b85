package dev.mmpeft.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.train.testing.TinyClassifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The trainer with {@code activationCheckpointing}: each step opens a session, the model's
 * checkpointed layer runs without history in the forward pass and again in the backward pass;
 * without dropout the run ends where the run without checkpointing does, and with dropout it is
 * deterministic and each layer's second run draws the first run's masks.
 */
class ActivationCheckpointingTrainerTest {
    private static TrainingResult fit(TinyClassifier m, boolean checkpointing) {
        return TrainerTest.quiet().epochs(3).batchSize(16).seed(5).activationCheckpointing(checkpointing).build()
                .fit(m, TrainerTest.TRAIN);
    }

    private static Map<String, float[]> tensors(TinyClassifier m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.allParameters().forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }

    @Test
    void withoutDropoutTheRunEndsWhereTheRunWithoutCheckpointingDoes() {
        try (TinyClassifier plain = TrainerTest.model(0f); TinyClassifier checkpointed = TrainerTest.model(0f)) {
            Map<String, float[]> initial = tensors(plain);
            TrainingResult a = fit(plain, false);
            TrainingResult b = fit(checkpointed, true);
            assertEquals(12, b.steps());
            for (int i = 0; i < a.losses().size(); i++) {
                assertEquals(a.losses().get(i), b.losses().get(i), 1e-6, "loss of step " + (i + 1));
            }
            TrainerTest.assertClose(tensors(plain), tensors(checkpointed), 1e-6);
            // fc1 (inside the checkpointed layer) trained: its gradient came from the second run
            assertNotEquals(initial.get("fc1.weight")[0], tensors(checkpointed).get("fc1.weight")[0]);
        }
    }

    @Test
    void withDropoutTheRunIsDeterministicAndReplaysEachLayersMasks() {
        ActivationCheckpointing.verifyReplays(true);
        try (TinyClassifier first = TrainerTest.model(0.3f); TinyClassifier second = TrainerTest.model(0.3f)) {
            float[] fc1 = tensors(first).get("fc1.weight");
            // verifyReplays: every step's second run of the layer reproduced its first (dropout masks included)
            List<Double> a = fit(first, true).losses();
            List<Double> b = fit(second, true).losses();
            assertEquals(a, b);
            assertTrue(a.stream().allMatch(Double::isFinite), "losses: " + a);
            TrainerTest.assertClose(tensors(first), tensors(second), 0);
            assertNotEquals(fc1[0], tensors(first).get("fc1.weight")[0], "fc1, inside the checkpointed layer, trained");
        } finally {
            ActivationCheckpointing.verifyReplays(false);
        }
    }
}
