package dev.mmpeft.models.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.models.LanguageModel;
import dev.mmpeft.models.testing.Golden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LLaMA forward and causal loss against the independent numpy reference: grouped-query attention
 * with a tied head and head_dim 6; biased projections, head_dim 8 != hidden/heads and an untied
 * head; a left-padded row beside an unpadded one.
 */
class LlamaGoldenTest {
    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa-tied", "llama-bias-untied"})
    void logitsAndLossesMatchReference(String name) {
        Golden golden = Golden.of(name);
        try (NDManager m = NDManager.newBaseManager(); LlamaModel model = LlamaModel.load(golden.directory())) {
            NDArray ids = golden.longs(m, "input_ids");
            NDArray mask = golden.longs(m, "attention_mask");
            LanguageModel.LmOutput out = model.forward(model.embedTokens(ids), mask, null, null, golden.longs(m, "labels"));
            double diff = Golden.maxAbsDiff(golden.floats("logits"), out.logits().toFloatArray());
            assertTrue(diff < 1e-4, name + ": logits differ from the reference by " + diff);
            assertEquals(golden.json().get("loss").asDouble(), out.loss().orElseThrow().getFloat(), 1e-5, "loss");
            // labels covering only the last positions (InstructBLIP: query positions carry no labels)
            NDArray tail = golden.longs(m, "tail_labels");
            float tailLoss = model.forward(model.embedTokens(ids), mask, null, null, tail).loss().orElseThrow().getFloat();
            assertEquals(golden.json().get("tail_loss").asDouble(), tailLoss, 1e-5, "loss on the last positions");
        }
    }
}
