package dev.mmpeft.models.instructblip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.safetensors.Checkpoint;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole-model forward passes against the numpy reference written from transformers'
 * modeling_instructblip/t5/llama ({@code src/test/python/instructblip_ref.py}): tiny checkpoints in
 * Hugging Face layout, both ways of placing the query outputs, the older vision q_bias/v_bias
 * layout, tied and untied heads, int32 and int64 inputs.
 */
class InstructBlipReferenceTest {
    static Path fixture(String name) throws Exception {
        return Path.of(InstructBlipReferenceTest.class.getResource("/blip-reference/" + name + "/config.json").toURI()).getParent();
    }

    static InstructBlipInputs inputs(Checkpoint in, NDManager m) {
        var b = InstructBlipInputs.builder()
                .pixelValues(in.load("pixel_values", m))
                .qformerInputIds(in.load("qformer_input_ids", m))
                .qformerAttentionMask(in.load("qformer_attention_mask", m))
                .inputIds(in.load("input_ids", m))
                .attentionMask(in.load("attention_mask", m));
        if (in.find("labels").isPresent()) {
            b.labels(in.load("labels", m));
        }
        return b.build();
    }

    static double maxAbsDiff(NDArray a, NDArray b) {
        assertEquals(a.getShape(), b.getShape());
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        return worst;
    }

    @ParameterizedTest
    @ValueSource(strings = {"t5-legacy", "t5-imagetokens-oldqkv-tied", "llama-legacy", "llama-imagetokens-tied"})
    void logitsAndLossMatchTheReference(String name) throws Exception {
        Path dir = fixture(name);
        try (InstructBlip model = InstructBlip.load(dir);
                Checkpoint in = Checkpoint.open(dir.resolve("inputs.safetensors"));
                Checkpoint expected = Checkpoint.open(dir.resolve("expected.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            InstructBlipOutput out = model.forward(inputs(in, m));
            double logitDiff = maxAbsDiff(expected.load("logits", m), out.logits());
            assertEquals(0.0, logitDiff, 1e-4, name + " logits");
            float loss = out.loss().orElseThrow().getFloat();
            assertEquals(expected.load("loss", m).getFloat(), loss, 1e-5, name + " loss");
            assertEquals(0.0, maxAbsDiff(expected.load("language_model_inputs", m), out.languageModelInputs()), 2e-5, name + " projected queries");
        }
    }
}
