package dev.mmpeft.models.instructblip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsException;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.models.instructblip.testing.TinyInstructBlip;
import dev.mmpeft.models.nn.WeightMismatchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and loading tiny random models in Hugging Face layout, sharded or not, and bad checkpoints. */
class InstructBlipLoadingTest {
    private static float[] logits(InstructBlip model, Path fixtureInputs) throws Exception {
        try (Checkpoint in = Checkpoint.open(fixtureInputs); NDManager m = NDManager.newBaseManager()) {
            return model.forward(InstructBlipReferenceTest.inputs(in, m)).logits().toFloatArray();
        }
    }

    /** Inputs of the t5 fixture, which fit the tiny T5 (vocab 48 > every id there, 28 px images). */
    private static Path inputs() throws Exception {
        return InstructBlipReferenceTest.fixture("t5-legacy").resolve("inputs.safetensors");
    }

    @Test
    void saveLoadRoundTripSingleAndSharded(@TempDir Path tmp) throws Exception {
        try (InstructBlip model = InstructBlip.random(TinyInstructBlip.config(true, false), 7, 0.3f)) {
            float[] expected = logits(model, inputs());
            model.save(tmp.resolve("single"));
            model.save(tmp.resolve("sharded"), 40_000);
            try (Stream<Path> files = Files.list(tmp.resolve("sharded"))) {
                long shards = files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).count();
                assertTrue(shards >= 3, "shards: " + shards);
            }
            assertTrue(Files.isRegularFile(tmp.resolve("sharded").resolve(Checkpoint.INDEX_FILE)));
            for (String dir : new String[] {"single", "sharded"}) {
                try (InstructBlip back = InstructBlip.load(tmp.resolve(dir))) {
                    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                        assertArrayEquals(e.getValue().getArray().toFloatArray(),
                                back.namedParameters().get(e.getKey()).getArray().toFloatArray(), dir + " " + e.getKey());
                    }
                    assertArrayEquals(expected, logits(back, inputs()), dir);
                }
            }
        }
    }

    @Test
    void llamaBackboneRoundTripsSharded(@TempDir Path tmp) throws Exception {
        try (InstructBlip model = InstructBlip.random(TinyInstructBlip.config(false, true), 9, 0.3f);
                NDManager m = NDManager.newBaseManager()) {
            InstructBlipInputs in = InstructBlipGenerationTest.inputs(m, false, model.config().imageTokenId().orElseThrow());
            float[] expected = model.forward(in).logits().toFloatArray();
            model.save(tmp, 30_000);
            assertTrue(Files.isRegularFile(tmp.resolve(Checkpoint.INDEX_FILE)));
            try (InstructBlip back = InstructBlip.load(tmp)) {
                assertEquals(model.config(), back.config());
                assertArrayEquals(expected, back.forward(in).logits().toFloatArray());
            }
        }
    }

    @Test
    void sharingArraysOfSharesWithoutCopying() throws Exception {
        try (InstructBlip model = InstructBlip.random(TinyInstructBlip.config(true, false), 3, 0.3f)) {
            InstructBlip shared = InstructBlip.sharingArraysOf(model);
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                assertSame(e.getValue().getArray(), shared.namedParameters().get(e.getKey()).getArray());
            }
            assertArrayEquals(logits(model, inputs()), logits(shared, inputs()));
            shared.close(); // owns nothing: the base keeps working
            assertEquals(model.namedParameters().size(), model.namedParameters().values().stream().filter(Parameter::isInitialized).count());
        }
    }

    @Test
    void mismatchedCheckpointsAreReportedByName(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("m");
        try (InstructBlip model = InstructBlip.random(TinyInstructBlip.config(true, false), 5, 0.3f)) {
            model.save(dir);
        }
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            try (Checkpoint c = Checkpoint.open(dir)) {
                for (String n : c.names()) {
                    tensors.put(n, c.load(n, m));
                }
            }
            // the Q-Former position_ids buffer older exports saved is tolerated
            tensors.put("qformer.embeddings.position_ids", m.arange(0, 64, 1, ai.djl.ndarray.types.DataType.INT64).reshape(1, 64));
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
            InstructBlip.load(dir).close();

            tensors.remove("qformer.encoder.layer.1.output_query.dense.weight");
            tensors.put("vision_model.encoder.layers.0.mlp.fc1.bias", m.zeros(new ai.djl.ndarray.types.Shape(5)));
            tensors.put("language_model.extra.weight", m.zeros(new ai.djl.ndarray.types.Shape(2)));
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
        }
        WeightMismatchException e = assertThrows(WeightMismatchException.class, () -> InstructBlip.load(dir));
        assertEquals(java.util.List.of("qformer.encoder.layer.1.output_query.dense.weight"), e.missing());
        assertEquals(java.util.List.of("language_model.extra.weight"), e.unexpected());
        assertEquals(1, e.mismatched().size());
        assertTrue(e.mismatched().get(0).startsWith("vision_model.encoder.layers.0.mlp.fc1.bias: checkpoint [5], model expects [24]"),
                e.mismatched().get(0));
        assertTrue(e.getMessage().startsWith(dir.toString()), e.getMessage());
    }

    @Test
    void olderSeparateQAndVBiasesLoadIntoTheFusedBias(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("old");
        float[] expected;
        try (InstructBlip model = InstructBlip.random(TinyInstructBlip.config(true, false), 12, 0.3f);
                NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                NDArray a = e.getValue().getArray();
                if (e.getKey().endsWith("self_attn.qkv.bias")) {
                    // the old layout has q and v biases only (the key bias is zero): write them separately
                    long d = a.getShape().get(0) / 3;
                    float[] bias = new float[(int) (3 * d)];
                    for (int i = 0; i < bias.length; i++) {
                        bias[i] = i < d || i >= 2 * d ? 0.01f * (i % 17) - 0.05f : 0f;
                    }
                    a.set(bias);
                    String base = e.getKey().substring(0, e.getKey().length() - "qkv.bias".length());
                    tensors.put(base + "q_bias", m.create(java.util.Arrays.copyOfRange(bias, 0, (int) d)));
                    tensors.put(base + "v_bias", m.create(java.util.Arrays.copyOfRange(bias, (int) (2 * d), (int) (3 * d))));
                } else {
                    tensors.put(e.getKey(), a);
                }
            }
            expected = logits(model, inputs());
            model.save(dir);
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
        }
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertTrue(c.find("vision_model.encoder.layers.1.self_attn.q_bias").isPresent());
            assertTrue(c.find("vision_model.encoder.layers.1.self_attn.qkv.bias").isEmpty());
        }
        try (InstructBlip back = InstructBlip.load(dir)) {
            assertArrayEquals(expected, logits(back, inputs()));
        }
    }

    @Test
    void badDirectoriesGiveTypedErrors(@TempDir Path tmp) throws Exception {
        MmpeftException missing = assertThrows(MmpeftException.class, () -> InstructBlip.load(tmp.resolve("absent")));
        assertTrue(missing.getMessage().contains("absent"), missing.getMessage());
        Path dir = tmp.resolve("corrupt");
        try (InstructBlip model = InstructBlip.random(TinyInstructBlip.config(true, false), 5, 0.3f)) {
            model.save(dir);
        }
        byte[] bytes = Files.readAllBytes(dir.resolve("model.safetensors"));
        Files.write(dir.resolve("model.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> InstructBlip.load(dir));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }
}
