package dev.mmpeft.models.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.models.LanguageModel;
import dev.mmpeft.models.nn.Losses;
import dev.mmpeft.models.testing.Golden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * T5 forward and loss against the independent numpy reference (src/test/python/llm_reference.py):
 * gated-gelu with a tied head, relu with an untied head; right and left padding in one batch.
 */
class T5GoldenTest {
    @ParameterizedTest
    @ValueSource(strings = {"t5-gated-tied", "t5-relu-untied"})
    void logitsAndLossMatchReference(String name) {
        Golden golden = Golden.of(name);
        try (NDManager manager = NDManager.newBaseManager();
                T5Model model = T5Model.load(golden.directory())) {
            NDArray ids = golden.longs(manager, "input_ids");
            NDArray mask = golden.longs(manager, "attention_mask");
            NDArray labels = golden.longs(manager, "labels");
            LanguageModel.LmOutput out = model.forward(model.embedTokens(ids), mask, null, null, labels);
            float[] expected = golden.floats("logits");
            float[] actual = out.logits().toFloatArray();
            double diff = Golden.maxAbsDiff(expected, actual);
            assertTrue(diff < 1e-4, name + ": logits differ from the reference by " + diff);
            float loss = out.loss().orElseThrow().getFloat();
            assertEquals(golden.json().get("loss").asDouble(), loss, 1e-5, name + " loss");
            // the loss is the mean token cross-entropy of the logits over labels != -100, computed independently
            float[] logits = actual;
            long[] lab = labels.toLongArray();
            int vocab = model.vocabSize();
            double sum = 0;
            int count = 0;
            for (int t = 0; t < lab.length; t++) {
                if (lab[t] == Losses.IGNORE_INDEX) {
                    continue;
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    max = Math.max(max, logits[t * vocab + v]);
                }
                double z = 0;
                for (int v = 0; v < vocab; v++) {
                    z += Math.exp(logits[t * vocab + v] - max);
                }
                sum += -(logits[t * vocab + (int) lab[t]] - max - Math.log(z));
                count++;
            }
            assertEquals(sum / count, loss, 1e-5, name + " loss from logits");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"t5-gated-tied", "t5-relu-untied"})
    void explicitDecoderInputsEqualShiftedLabels(String name) {
        Golden golden = Golden.of(name);
        try (NDManager manager = NDManager.newBaseManager();
                T5Model model = T5Model.load(golden.directory())) {
            NDArray ids = golden.longs(manager, "input_ids");
            NDArray mask = golden.longs(manager, "attention_mask");
            NDArray labels = golden.longs(manager, "labels");
            NDArray shifted = model.shiftRight(labels);
            long[] s = shifted.toLongArray();
            long[] l = labels.toLongArray();
            int len = (int) labels.getShape().get(1);
            for (int r = 0; r < 2; r++) {
                assertEquals(0, s[r * len], "decoder start token");
                for (int t = 1; t < len; t++) {
                    long expected = l[r * len + t - 1] == -100 ? 0 : l[r * len + t - 1];
                    assertEquals(expected, s[r * len + t]);
                }
            }
            float[] viaLabels = model.forward(model.embedTokens(ids), mask, null, null, labels).logits().toFloatArray();
            float[] viaIds = model.forward(model.embedTokens(ids), mask, shifted, null, null).logits().toFloatArray();
            assertEquals(0.0, Golden.maxAbsDiff(viaLabels, viaIds), 0.0);
        }
    }
}
