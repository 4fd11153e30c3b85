package dev.mmpeft.models.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.models.family.ModelInputs;
import dev.mmpeft.models.family.ModelOutputs;
import dev.mmpeft.models.family.Models;
import dev.mmpeft.models.family.MultimodalModel;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole LLaVA forward passes against the numpy reference written from transformers'
 * modeling_clip/modeling_llava ({@code src/test/python/llava_reference.py}), loaded through the
 * family registry: tiny checkpoints in the legacy and the current tensor layout (one sharded),
 * the {@code default} and {@code full} strategies, one and several feature layers, tied and untied
 * heads, int32 and int64 inputs, each a batch of two prompts of different lengths (right or left
 * padding).
 */
class LlavaReferenceTest {
    static Path fixture(String name) throws Exception {
        return Path.of(LlavaReferenceTest.class.getResource("/llava-reference/" + name + "/config.json").toURI()).getParent();
    }

    static double maxAbsDiff(NDArray expected, NDArray actual) {
        assertEquals(expected.getShape(), actual.getShape());
        float[] x = expected.toFloatArray();
        float[] y = actual.toFloatArray();
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        return worst;
    }

    @ParameterizedTest
    @ValueSource(strings = {"default-legacy", "default-current-sharded", "full-current-tied", "layers-legacy-left"})
    void logitsAndLossMatchTheReference(String name) throws Exception {
        Path dir = fixture(name);
        try (MultimodalModel model = Models.load(dir);
                NDManager m = NDManager.newBaseManager();
                Checkpoint expected = Checkpoint.open(dir.resolve("expected.safetensors"))) {
            assertEquals("llava", model.family());
            assertInstanceOf(Llava.class, model.model());
            ModelOutputs out = model.forward(ModelInputs.read(dir.resolve("inputs.safetensors"), m));
            double logits = maxAbsDiff(expected.load("logits", m), out.logits());
            float expectedLoss = expected.load("loss", m).getFloat();
            float actualLoss = out.loss().orElseThrow().getFloat();
            double loss = Math.abs(expectedLoss - actualLoss);
            double features = maxAbsDiff(expected.load("image_hidden_states", m), out.tensors().get("image_hidden_states"));
            System.out.printf("llava reference %s: logits max |diff| %.2e, loss %.7f vs reference %.7f (|diff| %.2e),"
                    + " image features max |diff| %.2e%n", name, logits, actualLoss, expectedLoss, loss, features);
            assertEquals(0.0, logits, 1e-4, name + " logits");
            assertEquals(0.0, loss, 1e-5, name + " loss");
            assertEquals(0.0, features, 1e-4, name + " image_hidden_states");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"full-current-tied", "layers-legacy-left"})
    void greedyAndBeamSearchMatchTheReference(String name) throws Exception {
        Path dir = fixture(name);
        try (Llava model = Llava.load(dir);
                NDManager m = NDManager.newBaseManager();
                Checkpoint in = Checkpoint.open(dir.resolve("generation.safetensors"))) {
            LlavaInputs inputs = LlavaInputs.builder()
                    .pixelValues(in.load("pixel_values", m))
                    .inputIds(in.load("input_ids", m))
                    .attentionMask(in.load("attention_mask", m))
                    .build();
            int batch = (int) in.info("greedy_tokens").shape()[0];
            int steps = (int) in.info("greedy_tokens").shape()[1];
            for (boolean cache : new boolean[] {true, false}) {
                GenerationResult greedy = model.generate(inputs, GenerationConfig.builder().maxNewTokens(steps).useCache(cache).build());
                GenerationResult beams = model.generate(inputs, GenerationConfig.builder().numBeams(3).maxNewTokens(steps).useCache(cache).build());
                for (int b = 0; b < batch; b++) {
                    assertArrayEquals(row(in.load("greedy_tokens", m), b, steps), greedy.tokens(b), name + " greedy row " + b + " cache " + cache);
                    assertArrayEquals(row(in.load("beam3_tokens", m), b, steps), beams.tokens(b), name + " beams row " + b + " cache " + cache);
                }
            }
        }
    }

    /** Row {@code b} of a {@code [batch, steps]} token table, without the -1 after the end. */
    private static long[] row(NDArray table, int b, int steps) {
        return Arrays.stream(Arrays.copyOfRange(table.toLongArray(), b * steps, (b + 1) * steps)).filter(t -> t >= 0).toArray();
    }
}
