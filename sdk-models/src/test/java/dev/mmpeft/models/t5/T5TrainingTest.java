package dev.mmpeft.models.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.mmpeft.core.config.T5Config;
import org.junit.jupiter.api.Test;

/** Training mode: dropout only when training, and gradients that agree with finite differences. */
class T5TrainingTest {
    private static final T5Config CONFIG = T5Config.builder().vocabSize(20).dModel(8).dKv(2).dFf(12).numLayers(2)
            .numHeads(4).relativeAttentionNumBuckets(8).relativeAttentionMaxDistance(10).feedForwardProj("gated-gelu")
            .dropoutRate(0.3).build();

    private static float loss(T5Model model, NDManager m) {
        try (NDManager scope = m.newSubManager()) {
            return lossArray(model, scope).getFloat();
        }
    }

    private static NDArray lossArray(T5Model model, NDManager scope) {
        NDArray ids = scope.create(new long[][] {{3, 7, 9, 1}, {4, 4, 1, 0}});
        NDArray mask = scope.create(new long[][] {{1, 1, 1, 1}, {1, 1, 1, 0}});
        NDArray labels = scope.create(new long[][] {{5, 6, 1}, {8, 1, -100}});
        return model.forward(model.embedTokens(ids), mask, null, null, labels).loss().orElseThrow();
    }

    @Test
    void dropoutOnlyWhenTraining() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = T5Model.random(CONFIG, m, 5, 0.5f);
            float eval = loss(model, m);
            assertEquals(eval, loss(model, m), 0f, "inference is deterministic");
            model.setTraining(true);
            float a = loss(model, m);
            float b = loss(model, m);
            assertNotEquals(a, b, "dropout makes two training passes differ");
            model.setTraining(false);
            assertEquals(eval, loss(model, m), 0f);
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = T5Model.random(CONFIG, m, 6, 0.5f);
            String[] names = {
                "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                "decoder.block.1.layer.1.EncDecAttention.v.weight",
                "encoder.block.1.layer.1.DenseReluDense.wi_0.weight",
                "decoder.final_layer_norm.weight",
                "shared.weight"
            };
            for (String name : names) {
                model.namedParameters().get(name).getArray().setRequiresGradient(true);
            }
            float[][] grads = new float[names.length][];
            try (NDManager scope = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(lossArray(model, scope));
                for (int i = 0; i < names.length; i++) {
                    grads[i] = model.namedParameters().get(names[i]).getArray().getGradient().toFloatArray();
                }
            }
            for (int i = 0; i < names.length; i++) {
                Parameter p = model.namedParameters().get(names[i]);
                NDArray w = p.getArray();
                float[] values = w.toFloatArray();
                int idx = 3;
                double h = 1e-2;
                values[idx] += (float) h;
                w.set(values);
                float up = loss(model, m);
                values[idx] -= (float) (2 * h);
                w.set(values);
                float down = loss(model, m);
                values[idx] += (float) h;
                w.set(values);
                double numeric = (up - down) / (2 * h);
                assertEquals(numeric, grads[i][idx], 2e-3 + 2e-2 * Math.abs(numeric), names[i]);
                assertTrue(grads[i][idx] != 0f, names[i] + " receives a gradient");
            }
        }
    }
}
