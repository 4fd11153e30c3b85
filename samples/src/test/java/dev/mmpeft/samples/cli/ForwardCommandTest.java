package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.instructblip.InstructBlipOutput;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwardCommandTest {
    static final List<String> WORDS = List.of("what", "is", "in", "the", "image", "?", "a", "cat", "dog", "red", "blue");
    @TempDir static Path tmp;
    static Path model;

    @BeforeAll
    static void writeModel() throws Exception {
        model = tmp.resolve("tiny-t5");
        InstructBlipPresets.writeTiny(model, WORDS, true, false, 11, 0.3f);
    }

    private static Map<String, NDArray> inputs(NDManager m, boolean int32, boolean withLabels) {
        Map<String, NDArray> t = new LinkedHashMap<>();
        float[] px = new float[2 * 3 * 28 * 28];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) Math.sin(i * 0.37);
        }
        t.put("pixel_values", m.create(px, new Shape(2, 3, 28, 28)));
        DataType ids = int32 ? DataType.INT32 : DataType.INT64;
        t.put("qformer_input_ids", m.create(new long[] {2, 5, 6, 3, 2, 7, 3, 0}, new Shape(2, 4)).toType(ids, false));
        t.put("qformer_attention_mask", m.create(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, new Shape(2, 4)).toType(ids, false));
        t.put("input_ids", m.create(new long[] {3, 4, 5, 1, 9, 10, 1, 0}, new Shape(2, 4)).toType(ids, false));
        t.put("attention_mask", m.create(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, new Shape(2, 4)).toType(ids, false));
        if (withLabels) {
            t.put("labels", m.create(new long[] {9, 10, 1, 12, 1, -100}, new Shape(2, 3)).toType(ids, false));
        }
        return t;
    }

    @Test
    void writesTheSameLogitsAndLossAsTheApi() throws Exception {
        Path in = tmp.resolve("in.safetensors");
        Path out = tmp.resolve("out.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = inputs(m, true, true);
            SafetensorsWriter.write(in, t);
            CliRunner r = CliRunner.run("forward", "--model", model.toString(), "--inputs", in.toString(), "--output", out.toString());
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().startsWith("logits (2, 3, "), r.out());
            assertTrue(r.out().contains("loss "), r.out());
            try (InstructBlip blip = InstructBlip.load(model); Checkpoint written = Checkpoint.open(out)) {
                InstructBlipOutput api = blip.forward(InstructBlipInputs.builder()
                        .pixelValues(t.get("pixel_values"))
                        .qformerInputIds(t.get("qformer_input_ids"))
                        .qformerAttentionMask(t.get("qformer_attention_mask"))
                        .inputIds(t.get("input_ids"))
                        .attentionMask(t.get("attention_mask"))
                        .labels(t.get("labels"))
                        .build());
                assertArrayEquals(api.logits().toFloatArray(), written.load("logits", m).toFloatArray());
                assertEquals(api.loss().orElseThrow().getFloat(), written.load("loss", m).getFloat());
                assertEquals(0, written.info("loss").shape().length, "loss is a scalar, as transformers returns it");
            }
        }
    }

    @Test
    void withoutLabelsAT5NeedsDecoderInputs() throws Exception {
        Path in = tmp.resolve("in-nolabels.safetensors");
        Path out = tmp.resolve("out-nolabels.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = inputs(m, false, false);
            SafetensorsWriter.write(in, t);
            CliRunner r = CliRunner.run("forward", "--model", model.toString(), "--inputs", in.toString(), "--output", out.toString());
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().startsWith("mmpeft forward: a T5 backbone needs labels or decoder_input_ids"), r.err());
            t.put("decoder_input_ids", m.create(new long[] {0, 9, 0, 12}, new Shape(2, 2)));
            t.put("attention_mask", t.get("attention_mask").toType(DataType.BOOLEAN, false));
            SafetensorsWriter.write(in, t);
            r = CliRunner.run("forward", "--model", model.toString(), "--inputs", in.toString(), "--output", out.toString());
            assertEquals(0, r.code(), r.toString());
            try (Checkpoint written = Checkpoint.open(out)) {
                assertEquals(List.of("logits"), List.copyOf(written.names()));
            }
        }
    }

    @Test
    void badInputGivesOneLineAndExitOne() throws Exception {
        Path in = tmp.resolve("in-bad.safetensors");
        Path out = tmp.resolve("out-bad.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = inputs(m, false, true);
            t.remove("input_ids");
            SafetensorsWriter.write(in, t);
        }
        CliRunner r = CliRunner.run("forward", "--model", model.toString(), "--inputs", in.toString(), "--output", out.toString());
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("missing input tensor 'input_ids'"), r.err());

        r = CliRunner.run("forward", "--model", tmp.resolve("no-such-model").toString(), "--inputs", in.toString(), "--output", out.toString());
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("no-such-model"), r.err());

        Path corrupt = tmp.resolve("corrupt");
        Files.createDirectories(corrupt);
        Files.copy(model.resolve("config.json"), corrupt.resolve("config.json"));
        byte[] bytes = Files.readAllBytes(model.resolve("model.safetensors"));
        Files.write(corrupt.resolve("model.safetensors"), java.util.Arrays.copyOf(bytes, 100));
        r = CliRunner.run("forward", "--model", corrupt.toString(), "--inputs", in.toString(), "--output", out.toString());
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("model.safetensors"), r.err());
        assertTrue(Files.notExists(out), "nothing written on failure");

        r = CliRunner.run("forward", "--model", model.toString());
        assertEquals(2, r.code(), r.toString());
    }
}
