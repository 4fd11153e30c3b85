package dev.mmpeft.peft;

import dev.mmpeft.peft.lora.InitLoraWeights;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.instructblip.testing.TinyInstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.models.processing.RgbImage;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEFT on a tiny random InstructBLIP-FlanT5 written in Hugging Face layout: LoRA with B = 0 leaves
 * logits bit-identical, merge equals unmerged, save/load is exact, a merged export loads back with
 * {@code InstructBlip.load}, and optimizer steps on prompts change only adapter tensors.
 */
class InstructBlipPeftTest {
    @TempDir static Path tmp = tmpInit();

    static Path tmpInit() {
        try {
            return java.nio.file.Files.createTempDirectory("blippeft");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
    static Path modelDir;
    static InstructBlip base;
    static InstructBlipProcessor processor;
    static List<Prompt> prompts;

    @BeforeAll
    static void setUp() throws IOException {
        modelDir = TinyInstructBlip.write(tmp.resolve("model"), true, false, 17);
        base = InstructBlip.load(modelDir);
        processor = InstructBlipProcessor.load(modelDir, base.config());
        prompts = new ArrayList<>();
        String[][] qa = {{"what is in the image ?", "a cat"}, {"which color ?", "red"}, {"what shape is it ?", "a circle"}};
        for (int i = 0; i < qa.length; i++) {
            prompts.add(Prompt.builder().exampleId("e" + i).addImages(image(i)).instruction(qa[i][0]).input(qa[i][0]).target(qa[i][1]).build());
        }
    }

    @AfterAll
    static void tearDown() {
        processor.close();
        base.close();
    }

    static Path image(int seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                img.setRGB(x, y, r.nextInt(0x1000000));
            }
        }
        Path p = tmp.resolve("img" + seed + ".png");
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    static float[] logits(InstructBlip model) {
        try (NDManager scope = NDManager.newBaseManager()) {
            InstructBlipInputs in = processor.trainingInputs(prompts, scope);
            return model.forward(in).logits().toFloatArray();
        }
    }

    static Map<String, float[]> snapshot(InstructBlip model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.namedParameters().forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }

    @Test
    void freshLoraLeavesLogitsBitIdentical() {
        float[] before = logits(base);
        try (PeftModel<InstructBlip> peft = Peft.lora().rank(2).target(Component.QFORMER_ALL, Component.LLM_ALL).on(base)) {
            // Q-Former: 2 layers x (2 self-attention + 4 FFN) + 4 cross-attention on layer 0;
            // T5: 2 + 2 blocks, q and v (decoder also cross q, v), wi_0, wi_1, wo
            assertEquals(2 * 6 + 4 + (2 * 2 + 2 * 4) + 4 * 3, peft.targetedModules("default").size());
            float[] after = logits(peft.model());
            assertEquals(before.length, after.length);
            for (int i = 0; i < before.length; i++) {
                assertEquals(Float.floatToIntBits(before[i] + 0f), Float.floatToIntBits(after[i] + 0f), "logit " + i);
            }
        }
    }

    @Test
    void mergeEqualsUnmergedAndExportLoadsBack() throws IOException {
        Map<String, float[]> baseBefore = snapshot(base);
        Path out = tmp.resolve("merged");
        float[] unmerged;
        try (PeftModel<InstructBlip> peft = Peft.lora().rank(4).alpha(8).init(InitLoraWeights.RANDOM).seed(3)
                .target(Component.QFORMER_ALL, Component.LLM_ALL).target("qkv").train(Component.LANGUAGE_PROJECTION).on(base)) {
            unmerged = logits(peft.model());
            assertTrue(maxDiff(unmerged, logits(base)) > 1e-3, "the adapter changes logits");
            peft.merge();
            float[] merged = logits(peft.model());
            assertTrue(maxDiff(merged, unmerged) <= 1e-5, "merged vs unmerged " + maxDiff(merged, unmerged));
            peft.unmerge();
            assertArrayEquals(unmerged, logits(peft.model()));
            peft.exportMerged(out);
        }
        try (InstructBlip reloaded = InstructBlip.load(out)) {
            float[] got = logits(reloaded);
            assertTrue(maxDiff(got, unmerged) <= 1e-5, "exported merged model vs adapter " + maxDiff(got, unmerged));
        }
        Map<String, float[]> baseAfter = snapshot(base);
        baseBefore.forEach((k, v) -> assertArrayEquals(v, baseAfter.get(k), k + " of the base model unchanged"));
    }

    @Test
    void saveLoadRoundTripIsExact() throws IOException {
        Path dir = tmp.resolve("adapter");
        float[] expected;
        Map<String, float[]> tensors = new LinkedHashMap<>();
        try (PeftModel<InstructBlip> peft = Peft.lora().rank(2).alpha(4).init(InitLoraWeights.RANDOM).seed(8)
                .target(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN).train(Component.QUERY_TOKENS).on(base, processor, modelDir.toString())) {
            peft.adaptable().root().namedParameters().get("query_tokens").getArray().addi(0.5f);
            expected = logits(peft.model());
            peft.adapterTensors("default").forEach((k, v) -> tensors.put(k, v.toFloatArray()));
            peft.save(dir);
            assertEquals(modelDir.toString(), Peft.readConfig(dir).baseModelNameOrPath().orElseThrow());
        }
        try (InstructBlip fresh = InstructBlip.load(modelDir); PeftModel<InstructBlip> loaded = Peft.load(fresh, dir)) {
            Map<String, NDArray> got = loaded.adapterTensors("default");
            assertEquals(tensors.keySet(), got.keySet());
            tensors.forEach((k, v) -> assertArrayEquals(v, got.get(k).toFloatArray(), k));
            assertArrayEquals(expected, logits(loaded.model()), "same logits after the round trip");
            assertTrue(got.containsKey("base_model.model.query_tokens"));
            assertTrue(got.containsKey("base_model.model.qformer.encoder.layer.0.crossattention.attention.key.lora_A.weight"));
            assertTrue(got.containsKey("base_model.model.language_model.decoder.block.1.layer.2.DenseReluDense.wo.lora_B.weight"), got.keySet().toString());
        }
    }

    @Test
    void optimizerStepsOnPromptsChangeOnlyAdapterTensors() {
        Map<String, float[]> baseBefore = snapshot(base);
        try (PeftModel<InstructBlip> peft = Peft.lora().rank(2).alpha(4).target(Component.QFORMER_SELF_ATTN, Component.LLM_ATTN)
                .train(Component.LANGUAGE_PROJECTION).on(base, processor, modelDir.toString())) {
            TrainableParameters trainable = peft.trainableParameters();
            Map<String, Parameter> all = peft.adaptable().root().namedParameters();
            Map<String, float[]> before = new LinkedHashMap<>();
            all.forEach((k, p) -> before.put(k, p.getArray().toFloatArray()));
            float evalBefore;
            try (NDManager scope = NDManager.newBaseManager()) {
                evalBefore = peft.loss(prompts, scope).getFloat();
            }
            // evaluation mode (dropout off) so that the loss is a deterministic function of the tensors
            TrainingTest.AdamW adamW = new TrainingTest.AdamW(1e-3, 0.05);
            try (NDManager state = NDManager.newBaseManager()) {
                for (int step = 0; step < 3; step++) {
                    try (NDManager scope = NDManager.newBaseManager()) {
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            gc.backward(peft.loss(prompts, scope));
                        }
                        adamW.step(trainable, state);
                    }
                }
            }
            try (NDManager scope = NDManager.newBaseManager()) {
                float evalAfter = peft.loss(prompts, scope).getFloat();
                assertTrue(evalAfter < evalBefore, "evaluation loss decreases: " + evalBefore + " -> " + evalAfter);
            }
            int changed = 0;
            for (Map.Entry<String, Parameter> e : all.entrySet()) {
                float[] now = e.getValue().getArray().toFloatArray();
                if (trainable.containsValue(e.getValue())) {
                    if (!java.util.Arrays.equals(before.get(e.getKey()), now)) {
                        changed++;
                    }
                } else {
                    assertArrayEquals(before.get(e.getKey()), now, e.getKey() + " frozen");
                    assertFalse(e.getValue().getArray().hasGradient(), e.getKey() + " no gradient");
                }
            }
            assertEquals(trainable.size(), changed, "every trainable tensor moved");
        }
        Map<String, float[]> after = snapshot(base);
        baseBefore.forEach((k, v) -> assertArrayEquals(v, after.get(k), k));
    }

    @Test
    void frozenWeightsAreTheBaseArrays() {
        try (PeftModel<InstructBlip> peft = Peft.lora().rank(1).target(Component.LLM_FFN).on(base)) {
            Map<String, Parameter> mine = peft.model().namedParameters();
            int shared = 0;
            for (Map.Entry<String, Parameter> e : base.namedParameters().entrySet()) {
                assertSame(e.getValue().getArray(), mine.get(e.getKey()).getArray(), e.getKey());
                shared++;
            }
            assertEquals(base.namedParameters().size(), shared);
            assertTrue(mine.size() > shared, "plus the LoRA tensors");
        }
    }

    static float maxDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void llamaBackboneFreshLoraIsBitIdenticalAndMergesWithin1e5() throws IOException {
        Path dir = TinyInstructBlip.write(tmp.resolve("llama"), false, false, 23);
        try (InstructBlip llama = InstructBlip.load(dir); InstructBlipProcessor p = InstructBlipProcessor.load(dir, llama.config())) {
            java.util.function.Function<InstructBlip, float[]> run = m -> {
                try (NDManager scope = NDManager.newBaseManager()) {
                    return m.forward(p.trainingInputs(prompts, scope)).logits().toFloatArray();
                }
            };
            float[] before = run.apply(llama);
            try (PeftModel<InstructBlip> peft = Peft.lora().rank(2).target(Component.QFORMER_SELF_ATTN, Component.LLM_ALL).on(llama)) {
                assertTrue(peft.targetedModules("default").contains("language_model.model.layers.1.mlp.down_proj"), peft.targetedModules("default").toString());
                assertArrayEquals(before, run.apply(peft.model()), "B = 0: bit-identical logits");
            }
            try (PeftModel<InstructBlip> peft = Peft.lora().rank(2).init(InitLoraWeights.RANDOM).seed(4)
                    .target(Component.QFORMER_SELF_ATTN, Component.LLM_ALL).on(llama)) {
                float[] unmerged = run.apply(peft.model());
                assertTrue(maxDiff(unmerged, before) > 1e-3);
                peft.merge();
                assertTrue(maxDiff(run.apply(peft.model()), unmerged) <= 1e-5);
            }
        }
    }
}
