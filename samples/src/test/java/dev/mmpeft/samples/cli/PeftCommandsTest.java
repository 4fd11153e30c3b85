package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import dev.mmpeft.peft.lora.InitLoraWeights;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PEFT parts of the CLI: {@code inspect --lora-rank/--target}, {@code merge}, {@code forward --adapter}. */
class PeftCommandsTest {
    static final List<String> WORDS = List.of("what", "is", "in", "the", "image", "?", "a", "cat", "dog", "red", "blue");
    @TempDir static Path tmp;
    static Path model;
    static Path adapter;
    static Path inputs;

    @BeforeAll
    static void setUp() throws Exception {
        model = tmp.resolve("tiny-t5");
        InstructBlipPresets.writeTiny(model, WORDS, true, false, 5, 0.3f);
        adapter = tmp.resolve("adapter");
        try (InstructBlip base = InstructBlip.load(model);
                PeftModel<InstructBlip> peft = Peft.lora().rank(2).alpha(4).init(InitLoraWeights.RANDOM).seed(2)
                        .target(Component.QFORMER_CROSS_ATTN, Component.LLM_ATTN).train(Component.LANGUAGE_PROJECTION).on(base)) {
            peft.adaptable().root().namedParameters().get("language_projection.bias").getArray().addi(0.2f);
            peft.save(adapter);
        }
        inputs = tmp.resolve("in.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            SafetensorsWriter.write(inputs, inputs(m));
        }
    }

    static Map<String, NDArray> inputs(NDManager m) {
        Map<String, NDArray> t = new LinkedHashMap<>();
        float[] px = new float[2 * 3 * 28 * 28];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) Math.cos(i * 0.11);
        }
        t.put("pixel_values", m.create(px, new Shape(2, 3, 28, 28)));
        t.put("qformer_input_ids", m.create(new long[] {2, 5, 6, 3, 2, 7, 3, 0}, new Shape(2, 4)));
        t.put("input_ids", m.create(new long[] {3, 4, 5, 1, 9, 10, 1, 0}, new Shape(2, 4)));
        t.put("attention_mask", m.create(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, new Shape(2, 4)));
        t.put("labels", m.create(new long[] {9, 10, 1, 12, 1, -100}, new Shape(2, 3)));
        return t;
    }

    static Path hubConfig(String name) {
        Path p = Path.of("..", "sdk-core", "src", "test", "resources", "hf-configs", name, "config.json").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(p), "missing test resource " + p);
        return p;
    }

    static float[] apiLogits(boolean merged) throws Exception {
        try (InstructBlip base = InstructBlip.load(model); PeftModel<InstructBlip> peft = Peft.load(base, adapter, false);
                NDManager m = NDManager.newBaseManager(); Checkpoint in = Checkpoint.open(inputs)) {
            if (merged) {
                peft.merge();
            }
            InstructBlipInputs batch = InstructBlipInputs.builder()
                    .pixelValues(in.load("pixel_values", m)).qformerInputIds(in.load("qformer_input_ids", m))
                    .inputIds(in.load("input_ids", m)).attentionMask(in.load("attention_mask", m)).labels(in.load("labels", m)).build();
            return peft.model().forward(batch).logits().toFloatArray();
        }
    }

    @Test
    void inspectCountsLoraOnTheHubConfigWithoutWeights() {
        CliRunner r = CliRunner.run("inspect", "--lora-rank", "1", "--target", "QFORMER_SELF_ATTN", hubConfig("instructblip-flan-t5-xl").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("trainable params: 36,864 || all params: 4,023,005,952 || trainable%: 0.0009"), r.out());
        assertTrue(r.out().contains("LoRA r=1, alpha=8 on QFORMER_SELF_ATTN"), r.out());

        CliRunner two = CliRunner.run("inspect", "--lora-rank", "2", "--target", "qformer-cross-attn,LLM_FFN",
                hubConfig("instructblip-flan-t5-xl").getParent().toString());
        assertEquals(0, two.code(), two.toString());
        assertTrue(two.out().contains("trainable params: " + String.format("%,d", 2 * (44_544 + 1_032_192))), two.out());
        assertTrue(two.out().contains("QFORMER_CROSS_ATTN") && two.out().contains("LLM_FFN"), two.out());

        CliRunner extras = CliRunner.run("inspect", "--lora-rank", "1", "--target", "QFORMER_CROSS_ATTN",
                "--train", "QUERY_TOKENS,LANGUAGE_PROJECTION", hubConfig("instructblip-flan-t5-xl").toString());
        assertEquals(0, extras.code(), extras.toString());
        assertTrue(extras.out().contains("trainable params: " + String.format("%,d", 44_544 + 24_576 + 1_574_912)), extras.out());
    }

    @Test
    void inspectBadInputsGiveOneLine() {
        CliRunner component = CliRunner.run("inspect", "--lora-rank", "1", "--target", "QFORMER_CROSS", hubConfig("instructblip-flan-t5-xl").toString());
        assertEquals(2, component.code(), component.toString());
        assertTrue(component.err().startsWith("mmpeft inspect: unknown component 'QFORMER_CROSS'; expected one of QFORMER_SELF_ATTN"), component.err());
        CliRunner noTarget = CliRunner.run("inspect", "--lora-rank", "1", hubConfig("instructblip-flan-t5-xl").toString());
        assertEquals(2, noTarget.code(), noTarget.toString());
        assertTrue(noTarget.err().contains("--target is required"), noTarget.err());
        CliRunner missing = CliRunner.run("inspect", "--lora-rank", "1", "--target", "LLM_FFN", tmp.resolve("nope").toString());
        assertEquals(1, missing.code(), missing.toString());
        assertTrue(missing.err().startsWith("mmpeft inspect: ") && missing.err().contains("no such file or directory"), missing.err());
        CliRunner typo = CliRunner.run("inspect", "--target", "querry", hubConfig("instructblip-flan-t5-xl").toString());
        assertEquals(1, typo.code(), typo.toString());
        assertTrue(typo.err().contains("target 'querry' matches no linear layer of the model; closest module names: "), typo.err());
        assertEquals(1, typo.err().strip().lines().count(), typo.err());
    }

    @Test
    void mergeWritesAStandaloneModelWithTheAdaptersEffect() throws Exception {
        Path out = tmp.resolve("merged");
        CliRunner r = CliRunner.run("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--output", out.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("LoRA r=2, alpha=4 on "), r.out());
        assertTrue(r.out().contains("trained in full: language_projection"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("config.json")));
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")), "tokenizer copied");
        assertTrue(Files.isRegularFile(out.resolve("qformer_tokenizer/tokenizer.json")), "Q-Former tokenizer copied");
        assertFalse(Files.exists(out.resolve("mmpeft_task.json")), "neither the base nor the adapter records a template");

        // an adapter that records its template hands it to the merged model
        Path carded = tmp.resolve("carded-adapter");
        Files.createDirectories(carded);
        for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
            Files.copy(adapter.resolve(f), carded.resolve(f));
        }
        String card = "{\"mmpeft_task\": 1, \"format\": \"scienceqa\", \"template\": \"scienceqa-answer-text\","
                + " \"answer_format\": \"option_text\", \"label_space\": {\"option_labels\": \"lower\", \"answers\": [\"red\"],"
                + " \"complete\": true}}";
        Files.writeString(carded.resolve("mmpeft_task.json"), card);
        Path out2 = tmp.resolve("merged-carded");
        CliRunner r2 = CliRunner.run("merge", "--model", model.toString(), "--adapter", carded.toString(), "--output", out2.toString());
        assertEquals(0, r2.code(), r2.toString());
        assertEquals(card, Files.readString(out2.resolve("mmpeft_task.json")));
        float[] expected = apiLogits(false);
        try (InstructBlip merged = InstructBlip.load(out); NDManager m = NDManager.newBaseManager(); Checkpoint in = Checkpoint.open(inputs)) {
            assertTrue(Checkpoint.open(out).names().stream().noneMatch(n -> n.contains("lora_")));
            float[] got = merged.forward(InstructBlipInputs.builder()
                    .pixelValues(in.load("pixel_values", m)).qformerInputIds(in.load("qformer_input_ids", m))
                    .inputIds(in.load("input_ids", m)).attentionMask(in.load("attention_mask", m)).labels(in.load("labels", m)).build())
                    .logits().toFloatArray();
            float max = 0;
            for (int i = 0; i < got.length; i++) {
                max = Math.max(max, Math.abs(got[i] - expected[i]));
            }
            assertTrue(max <= 1e-5, "merged checkpoint vs adapter: " + max);
        }
    }

    @Test
    void mergeBadInputsGiveOneLine() throws Exception {
        CliRunner missing = CliRunner.run("merge", "--model", model.toString(), "--adapter", tmp.resolve("none").toString(), "--output", tmp.resolve("o1").toString());
        assertEquals(1, missing.code(), missing.toString());
        assertEquals("mmpeft merge: " + tmp.resolve("none") + ": no such adapter directory", missing.err().strip());
        Path broken = Files.createDirectories(tmp.resolve("broken-adapter"));
        Files.writeString(broken.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 2, \"target_modules\": [\"nothing\"]}");
        CliRunner bad = CliRunner.run("merge", "--model", model.toString(), "--adapter", broken.toString(), "--output", tmp.resolve("o2").toString());
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.err().startsWith("mmpeft merge: target 'nothing' matches no linear layer"), bad.err());
        assertFalse(Files.exists(tmp.resolve("o2")), "nothing written on failure");
        CliRunner flags = CliRunner.run("merge", "--model", model.toString());
        assertEquals(2, flags.code(), flags.toString());
    }

    @Test
    void forwardWithAdapterMatchesTheApi() throws Exception {
        Path out = tmp.resolve("out.safetensors");
        CliRunner r = CliRunner.run("forward", "--model", model.toString(), "--adapter", adapter.toString(), "--inputs", inputs.toString(), "--output", out.toString());
        assertEquals(0, r.code(), r.toString());
        float[] expected = apiLogits(false);
        try (NDManager m = NDManager.newBaseManager(); Checkpoint written = Checkpoint.open(out)) {
            assertArrayEquals(expected, written.load("logits", m).toFloatArray());
        }
        Path plain = tmp.resolve("plain.safetensors");
        assertEquals(0, CliRunner.run("forward", "--model", model.toString(), "--inputs", inputs.toString(), "--output", plain.toString()).code());
        try (NDManager m = NDManager.newBaseManager(); Checkpoint a = Checkpoint.open(out); Checkpoint b = Checkpoint.open(plain)) {
            assertFalse(java.util.Arrays.equals(a.load("logits", m).toFloatArray(), b.load("logits", m).toFloatArray()), "the adapter is applied");
        }
        CliRunner bad = CliRunner.run("forward", "--model", model.toString(), "--adapter", tmp.resolve("none").toString(), "--inputs", inputs.toString(), "--output", out.toString());
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.err().contains("no such adapter directory"), bad.err());
    }
}
