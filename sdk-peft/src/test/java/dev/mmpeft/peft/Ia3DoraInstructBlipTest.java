package dev.mmpeft.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.testing.TinyInstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.format.AdapterFiles;
import dev.mmpeft.peft.ia3.Ia3Config;
import dev.mmpeft.peft.lora.LoraConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IA3 and DoRA on tiny random InstructBLIP models with both backbones (Flan-T5 and LLaMA): identity
 * at initialisation, merged equal to unmerged after real optimizer steps, training beside a
 * component trained in full, and exact save/load round trips.
 */
class Ia3DoraInstructBlipTest {
    @TempDir static Path tmp;
    static final Map<String, InstructBlip> MODELS = new LinkedHashMap<>();
    static final Map<String, InstructBlipProcessor> PROCESSORS = new LinkedHashMap<>();
    static final Map<String, Path> DIRS = new LinkedHashMap<>();
    static List<Prompt> prompts;

    @BeforeAll
    static void setUp() throws IOException {
        for (boolean t5 : new boolean[] {true, false}) {
            String name = t5 ? "t5" : "llama";
            Path dir = TinyInstructBlip.write(tmp.resolve(name), t5, false, t5 ? 17 : 23);
            InstructBlip model = InstructBlip.load(dir);
            DIRS.put(name, dir);
            MODELS.put(name, model);
            PROCESSORS.put(name, InstructBlipProcessor.load(dir, model.config()));
        }
        prompts = new ArrayList<>();
        String[][] qa = {{"what is in the image ?", "a cat"}, {"which color ?", "red"}, {"what shape is it ?", "a circle"}};
        for (int i = 0; i < qa.length; i++) {
            prompts.add(Prompt.builder().exampleId("e" + i).addImages(image(i)).instruction(qa[i][0])
                    .input(qa[i][0]).target(qa[i][1]).build());
        }
    }

    /** A random 32x32 picture, written under this class's own directory. */
    static Path image(int seed) throws IOException {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(32, 32, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                img.setRGB(x, y, r.nextInt(0x1000000));
            }
        }
        Path p = tmp.resolve("img" + seed + ".png");
        javax.imageio.ImageIO.write(img, "png", p.toFile());
        return p;
    }

    @AfterAll
    static void tearDown() {
        PROCESSORS.values().forEach(InstructBlipProcessor::close);
        MODELS.values().forEach(InstructBlip::close);
    }

    static float[] logits(String backbone, InstructBlip model) {
        try (NDManager scope = NDManager.newBaseManager()) {
            return model.forward(PROCESSORS.get(backbone).trainingInputs(prompts, scope)).logits().toFloatArray();
        }
    }

    static float maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        return InstructBlipPeftTest.maxDiff(a, b);
    }

    /** A few AdamW steps on the prompts' loss (evaluation mode: deterministic). */
    static void train(PeftModel<InstructBlip> peft, int steps, double lr) {
        TrainableParameters trainable = peft.trainableParameters();
        TrainingTest.AdamW adamW = new TrainingTest.AdamW(lr, 0.0);
        try (NDManager state = NDManager.newBaseManager()) {
            for (int step = 0; step < steps; step++) {
                try (NDManager scope = NDManager.newBaseManager()) {
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(peft.loss(prompts, scope));
                    }
                    adamW.step(trainable, state);
                }
            }
        }
    }

    @Test
    void freshIa3AndDoraReproduceTheBaseLogitsOnBothBackbones() {
        for (String backbone : MODELS.keySet()) {
            InstructBlip base = MODELS.get(backbone);
            float[] before = logits(backbone, base);
            Map<String, Supplier<PeftModel<InstructBlip>>> adapters = new LinkedHashMap<>();
            adapters.put("ia3 defaults", () -> Peft.ia3().on(base));
            adapters.put("ia3 components", () -> Peft.ia3().target(Component.QFORMER_ALL, Component.LLM_ALL).on(base));
            adapters.put("dora", () -> Peft.lora().rank(2).alpha(4).dora(true).target(Component.QFORMER_ALL, Component.LLM_ALL).on(base));
            for (Map.Entry<String, Supplier<PeftModel<InstructBlip>>> e : adapters.entrySet()) {
                try (PeftModel<InstructBlip> peft = e.getValue().get()) {
                    assertTrue(peft.parameterReport().trainable() > 0);
                    float diff = maxDiff(before, logits(backbone, peft.model()));
                    assertTrue(diff <= 1e-6, backbone + " " + e.getKey() + ": " + diff);
                }
            }
        }
    }

    @Test
    void ia3DefaultTargetsArePeftsTablePerBackbone() {
        try (PeftModel<InstructBlip> t5 = Peft.ia3().on(MODELS.get("t5"));
                PeftModel<InstructBlip> llama = Peft.ia3().on(MODELS.get("llama"))) {
            Ia3Config c = t5.config("default", Ia3Config.class);
            assertEquals(List.of("k", "v", "wo"), c.targetModules());
            assertEquals(List.of("wo"), c.feedforwardModules().orElseThrow());
            // tiny T5: 2 encoder blocks (self k, v) + 2 decoder blocks (self and cross k, v), wo in all 4
            assertEquals(2 * 2 + 2 * 4 + 4, t5.targetedModules("default").size());
            Map<String, NDArray> t = t5.adapterTensors("default");
            String wo = "base_model.model.language_model.decoder.block.1.layer.2.DenseReluDense.wo.ia3_l";
            String k = "base_model.model.language_model.encoder.block.0.layer.0.SelfAttention.k.ia3_l";
            Map<String, ai.djl.nn.Parameter> weights = MODELS.get("t5").namedParameters();
            long dff = weights.get("language_model.decoder.block.1.layer.2.DenseReluDense.wo.weight").getShape().get(1);
            long inner = weights.get("language_model.encoder.block.0.layer.0.SelfAttention.k.weight").getShape().get(0);
            assertEquals(new ai.djl.ndarray.types.Shape(1, dff), t.get(wo).getShape(), "feed-forward: [1, in]");
            assertEquals(new ai.djl.ndarray.types.Shape(inner, 1), t.get(k).getShape(), "attention: [out, 1]");
            Ia3Config l = llama.config("default", Ia3Config.class);
            assertEquals(List.of("down_proj", "k_proj", "v_proj"), l.targetModules().stream().sorted().toList());
            assertEquals(List.of("down_proj"), l.feedforwardModules().orElseThrow());
            assertEquals(2 * 3, llama.targetedModules("default").size());
        }
    }

    @Test
    void mergedEqualsUnmergedAfterTrainingForIa3AndDora() {
        for (String backbone : MODELS.keySet()) {
            InstructBlip base = MODELS.get(backbone);
            float[] before = logits(backbone, base);
            Map<String, float[]> baseArrays = InstructBlipPeftTest.snapshot(base);
            List<Supplier<PeftModel<InstructBlip>>> adapters = List.of(
                    () -> Peft.ia3().target(Component.QFORMER_ALL, Component.LLM_ALL).on(base, PROCESSORS.get(backbone), DIRS.get(backbone).toString()),
                    () -> Peft.lora().rank(2).alpha(4).dora(true).target(Component.QFORMER_ALL, Component.LLM_ALL)
                            .on(base, PROCESSORS.get(backbone), DIRS.get(backbone).toString()));
            for (Supplier<PeftModel<InstructBlip>> adapter : adapters) {
                try (PeftModel<InstructBlip> peft = adapter.get()) {
                    String what = backbone + " " + peft.config("default").describe();
                    train(peft, 3, 2e-2);
                    float[] unmerged = logits(backbone, peft.model());
                    assertTrue(maxDiff(unmerged, before) > 1e-3, what + ": training changed the logits " + maxDiff(unmerged, before));
                    peft.merge();
                    float merged = maxDiff(logits(backbone, peft.model()), unmerged);
                    assertTrue(merged <= 1e-5, what + ": merged vs unmerged " + merged);
                    peft.unmerge();
                    assertArrayEquals(unmerged, logits(backbone, peft.model()), what + ": unmerge restores the arrays bit for bit");
                }
            }
            Map<String, float[]> after = InstructBlipPeftTest.snapshot(base);
            baseArrays.forEach((k, v) -> assertArrayEquals(v, after.get(k), k + " of the base model unchanged"));
        }
    }

    @Test
    void ia3TrainsBesideTheLanguageProjectionAndRoundTripsExactly() throws IOException {
        String backbone = "t5";
        InstructBlip base = MODELS.get(backbone);
        Path dir = tmp.resolve("ia3-with-projection");
        float[] expected;
        Map<String, float[]> tensors = new LinkedHashMap<>();
        try (PeftModel<InstructBlip> peft = Peft.ia3().target(Component.LLM_ALL).train(Component.LANGUAGE_PROJECTION)
                .on(base, PROCESSORS.get(backbone), DIRS.get(backbone).toString())) {
            TrainableParameters trainable = peft.trainableParameters();
            // LLM_ALL: k, v of 2 encoder self-attentions and of 2 decoder self- and cross-attentions, wo of 4 blocks
            assertEquals(2 * 2 + 2 * 4 + 4 + 2, trainable.size(), trainable.keySet().toString());
            assertTrue(trainable.containsKey("base_model.model.language_projection.weight"));
            ParameterReport report = peft.parameterReport();
            long projection = base.config().qformerConfig().hiddenSize() * (long) base.config().textConfig().hiddenSize()
                    + base.config().textConfig().hiddenSize();
            assertEquals(projection, report.trainable("LANGUAGE_PROJECTION"), report.table());
            assertTrue(report.rows().stream().anyMatch(r -> r.method().equals("ia3") && r.part().equals("LLM_ATTN")), report.table());
            train(peft, 2, 2e-2);
            expected = logits(backbone, peft.model());
            peft.adapterTensors("default").forEach((k, v) -> tensors.put(k, v.toFloatArray()));
            peft.save(dir);
        }
        JsonNode config = Json.read(dir.resolve(AdapterFiles.CONFIG));
        assertEquals("IA3", config.get("peft_type").textValue());
        assertEquals("[\"language_projection\"]", config.get("modules_to_save").toString());
        try (Checkpoint file = Checkpoint.open(dir.resolve(AdapterFiles.WEIGHTS))) {
            assertEquals(tensors.keySet(), new java.util.LinkedHashSet<>(file.names()));
        }
        try (InstructBlip fresh = InstructBlip.load(DIRS.get(backbone)); PeftModel<InstructBlip> loaded = Peft.load(fresh, dir)) {
            Map<String, NDArray> got = loaded.adapterTensors("default");
            tensors.forEach((k, v) -> assertArrayEquals(v, got.get(k).toFloatArray(), k));
            assertArrayEquals(expected, logits(backbone, loaded.model()), "same logits after the round trip");
        }
    }

    @Test
    void doraRoundTripsExactlyWithPeftsKeys() throws IOException {
        String backbone = "llama";
        InstructBlip base = MODELS.get(backbone);
        Path dir = tmp.resolve("dora");
        float[] expected;
        Map<String, float[]> tensors = new LinkedHashMap<>();
        try (PeftModel<InstructBlip> peft = Peft.lora().rank(2).alpha(4).dora(true).target(Component.LLM_ATTN)
                .on(base, PROCESSORS.get(backbone), DIRS.get(backbone).toString())) {
            train(peft, 2, 2e-2);
            expected = logits(backbone, peft.model());
            peft.adapterTensors("default").forEach((k, v) -> tensors.put(k, v.toFloatArray()));
            peft.save(dir);
        }
        String m = "base_model.model.language_model.model.layers.0.self_attn.q_proj";
        int hidden = base.config().textConfig().hiddenSize();
        assertTrue(tensors.containsKey(m + ".lora_magnitude_vector"), tensors.keySet().toString());
        assertEquals(hidden, tensors.get(m + ".lora_magnitude_vector").length, "one magnitude per output feature");
        assertTrue(Json.read(dir.resolve(AdapterFiles.CONFIG)).get("use_dora").booleanValue());
        try (InstructBlip fresh = InstructBlip.load(DIRS.get(backbone)); PeftModel<InstructBlip> loaded = Peft.load(fresh, dir)) {
            assertTrue(loaded.config("default", LoraConfig.class).useDora());
            Map<String, NDArray> got = loaded.adapterTensors("default");
            assertEquals(tensors.keySet(), got.keySet());
            tensors.forEach((k, v) -> assertArrayEquals(v, got.get(k).toFloatArray(), k));
            assertArrayEquals(expected, logits(backbone, loaded.model()), "same logits after the round trip");
        }
    }

    @Test
    void trainingStepsLeaveNoArrayInTheAdaptersOrTheModelsManager() {
        for (String backbone : MODELS.keySet()) {
            InstructBlip base = MODELS.get(backbone);
            List<Supplier<PeftModel<InstructBlip>>> adapters = List.of(
                    () -> Peft.ia3().target(Component.QFORMER_ALL, Component.LLM_ALL).on(base, PROCESSORS.get(backbone), DIRS.get(backbone).toString()),
                    () -> Peft.lora().rank(2).dropout(0.1).dora(true).target(Component.QFORMER_ALL, Component.LLM_ALL)
                            .on(base, PROCESSORS.get(backbone), DIRS.get(backbone).toString()));
            for (Supplier<PeftModel<InstructBlip>> adapter : adapters) {
                try (PeftModel<InstructBlip> peft = adapter.get()) {
                    peft.setTraining(true);
                    NDManager adapterArrays = peft.adapterTensors("default").values().iterator().next().getManager();
                    NDManager modelArrays = base.manager().orElseThrow();
                    int adapterBefore = adapterArrays.getManagedArrays().size();
                    int modelBefore = modelArrays.getManagedArrays().size();
                    for (int step = 0; step < 2; step++) {
                        try (NDManager scope = NDManager.newBaseManager()) {
                            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                                gc.backward(peft.loss(prompts, scope));
                            }
                        }
                        String what = backbone + " " + peft.config("default").describe() + " step " + step;
                        assertEquals(adapterBefore, adapterArrays.getManagedArrays().size(), what + ": arrays left in the adapter's manager");
                        assertEquals(modelBefore, modelArrays.getManagedArrays().size(), what + ": arrays left in the model's manager");
                    }
                }
            }
        }
    }
}
