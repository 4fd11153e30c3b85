package dev.mmpeft.peft;

import dev.mmpeft.peft.lora.LoraConfig;
import dev.mmpeft.peft.lora.InitLoraWeights;
import dev.mmpeft.peft.lora.LoraBias;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsFile;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.models.nn.Weights;
import dev.mmpeft.peft.testing.ToyModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and loading adapters in the Hugging Face PEFT layout. */
class AdapterFilesTest {
    @TempDir Path tmp;
    private NDManager manager;
    private ToyModel base;
    private NDArray input;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base = ToyModel.random(manager, 21);
        input = manager.randomUniform(-1, 1, new Shape(2, 3, ToyModel.IN));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private float[] run(ToyModel.Net net) {
        return ToyModel.outputs(net, input);
    }

    /** Every tensor of a safetensors file, in file order, in the test's manager. */
    private Map<String, NDArray> readAll(Path file) throws IOException {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (Checkpoint c = Checkpoint.open(file)) {
            for (String n : c.names()) {
                tensors.put(n, c.load(n, manager));
            }
        }
        return tensors;
    }

    @Test
    void savedFilesHavePeftKeysShapesAndConfig() throws IOException {
        Path dir = tmp.resolve("adapter");
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(2).alpha(16).dropout(0.05)
                .target(Component.QFORMER_SELF_ATTN).train(Component.QUERY_TOKENS, Component.LANGUAGE_PROJECTION).on(base)) {
            peft.save(dir);
        }
        assertEquals(Set.of("adapter_config.json", "adapter_model.safetensors"), listing(dir));
        JsonNode config = Json.read(dir.resolve("adapter_config.json"));
        Set<String> keys = new TreeSet<>();
        config.fieldNames().forEachRemaining(keys::add);
        for (String k : List.of("peft_type", "r", "lora_alpha", "lora_dropout", "target_modules", "use_rslora", "bias",
                "modules_to_save", "base_model_name_or_path", "task_type", "rank_pattern", "alpha_pattern",
                "init_lora_weights", "fan_in_fan_out", "layers_to_transform", "layers_pattern", "inference_mode",
                "revision", "use_dora")) {
            assertTrue(keys.contains(k), "adapter_config.json has " + k);
        }
        assertEquals("LORA", config.get("peft_type").textValue());
        assertEquals(2, config.get("r").intValue());
        assertTrue(config.get("lora_alpha").isIntegralNumber(), "integral alpha written as an int, as PEFT does");
        assertEquals(16, config.get("lora_alpha").intValue());
        assertEquals(0.05, config.get("lora_dropout").doubleValue(), 0);
        assertEquals("none", config.get("bias").textValue());
        assertTrue(config.get("init_lora_weights").booleanValue());
        assertTrue(config.get("inference_mode").booleanValue());
        assertEquals("toy/model", config.get("base_model_name_or_path").textValue());
        List<String> targets = new ArrayList<>();
        config.get("target_modules").forEach(n -> targets.add(n.textValue()));
        assertEquals(List.of(
                "encoder.layer.0.attention.query", "encoder.layer.0.attention.value",
                "encoder.layer.1.attention.query", "encoder.layer.1.attention.value",
                "encoder.layer.2.attention.query", "encoder.layer.2.attention.value"), targets);
        List<String> save = new ArrayList<>();
        config.get("modules_to_save").forEach(n -> save.add(n.textValue()));
        assertEquals(List.of("query_tokens", "proj"), save);
        // keys sorted, as json.dumps(sort_keys=True)
        List<String> order = new ArrayList<>();
        config.fieldNames().forEachRemaining(order::add);
        assertEquals(new ArrayList<>(new TreeSet<>(order)), order);

        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
            assertEquals(Map.of("format", "pt"), f.metadata());
            Set<String> names = new TreeSet<>(f.names());
            Set<String> expected = new TreeSet<>();
            for (int i = 0; i < 3; i++) {
                for (String m : List.of("query", "value")) {
                    expected.add("base_model.model.encoder.layer." + i + ".attention." + m + ".lora_A.weight");
                    expected.add("base_model.model.encoder.layer." + i + ".attention." + m + ".lora_B.weight");
                }
            }
            expected.add("base_model.model.query_tokens");
            expected.add("base_model.model.proj.weight");
            expected.add("base_model.model.proj.bias");
            assertEquals(expected, names);
            assertArrayEquals(new long[] {2, ToyModel.HIDDEN}, f.info("base_model.model.encoder.layer.0.attention.query.lora_A.weight").shape());
            assertArrayEquals(new long[] {ToyModel.HIDDEN, 2}, f.info("base_model.model.encoder.layer.0.attention.query.lora_B.weight").shape());
            assertEquals("F32", f.info("base_model.model.proj.weight").dtype().fileName());
        }
    }

    @Test
    void saveThenLoadRoundTripIsExact() throws IOException {
        Path dir = tmp.resolve("adapter");
        Map<String, float[]> saved = new LinkedHashMap<>();
        float[] expected;
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(3).alpha(5).init(InitLoraWeights.RANDOM).seed(4)
                .target("query", "fc2").layers(1, 2).layersPattern("layer").bias(LoraBias.LORA_ONLY)
                .train(Component.QUERY_TOKENS).on(base)) {
            // perturb the full-trained copy so that loading it is visible
            peft.adaptable().root().namedParameters().get("query_tokens").getArray().addi(0.25f);
            peft.adapterTensors("default").forEach((k, v) -> saved.put(k, v.toFloatArray()));
            expected = run(peft.model());
            peft.save(dir);
        }
        ToyModel other = new ToyModel(ToyModel.structure().model());
        Weights.initRandom(other.root(), manager, 21, 0.5f); // same weights as base, other arrays
        try (PeftModel<ToyModel.Net> loaded = Peft.load(other, dir)) {
            Map<String, NDArray> tensors = loaded.adapterTensors("default");
            assertEquals(saved.keySet(), tensors.keySet());
            saved.forEach((k, v) -> assertArrayEquals(v, tensors.get(k).toFloatArray(), k));
            assertArrayEquals(expected, run(loaded.model()), "same outputs after the round trip");
            LoraConfig c = loaded.config("default", LoraConfig.class);
            assertEquals(3, c.r());
            assertEquals(5.0, c.loraAlpha());
            assertEquals(LoraBias.LORA_ONLY, c.bias());
            assertEquals(List.of(1, 2), c.layersToTransform());
            assertTrue(saved.containsKey("base_model.model.encoder.layer.1.attention.query.base_layer.bias"),
                    "a LoRA layer's trained bias is saved under PEFT's base_layer name: " + saved.keySet());
            assertEquals(loaded.trainableParameters().keySet(), saved.keySet());
            // a loaded adapter trains: its arrays are attached to gradients like a new one's
            loaded.trainableParameters().forEach((k, p) -> assertTrue(p.getArray().hasGradient() && p.requiresGradient(), k));
        }
    }

    @Test
    void loadReportsMissingAndUnexpectedAndRefusesShapeMismatch() throws IOException {
        Path dir = tmp.resolve("adapter");
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(2).target("query").on(base)) {
            peft.save(dir);
        }
        // edit the weights file: drop one tensor, add a stray one
        Path weights = dir.resolve("adapter_model.safetensors");
        Map<String, NDArray> tensors = readAll(weights);
        tensors.remove("base_model.model.encoder.layer.2.attention.query.lora_B.weight");
        tensors.put("base_model.model.encoder.layer.2.attention.nothing.lora_A.weight", manager.zeros(new Shape(2, 8)));
        SafetensorsWriter.write(weights, tensors);
        try (PeftModel<ToyModel.Net> loaded = Peft.lora().rank(2).target("fc1").on(base)) {
            LoadReport report = loaded.loadAdapter(dir, "other");
            assertEquals(List.of("base_model.model.encoder.layer.2.attention.query.lora_B.weight"), report.missing());
            assertEquals(List.of("base_model.model.encoder.layer.2.attention.nothing.lora_A.weight"), report.unexpected());
            assertFalse(report.isExact());
            assertEquals(5, report.loaded());
        }
        // a shape that does not fit is refused, naming the tensor and both shapes
        tensors.put("base_model.model.encoder.layer.0.attention.query.lora_A.weight", manager.zeros(new Shape(4, 8)));
        SafetensorsWriter.write(weights, tensors);
        AdapterMismatchException e = assertThrows(AdapterMismatchException.class, () -> Peft.load(base, dir).close());
        assertTrue(e.getMessage().contains("base_model.model.encoder.layer.0.attention.query.lora_A.weight: file [4, 8], model expects (2, 8)"), e.getMessage());
        assertEquals(1, e.mismatched().size());
    }

    @Test
    void baseTensorsInTheFileReplaceTheModelsAsPeftsLoaderDoes() throws IOException {
        Path dir = tmp.resolve("adapter");
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(2).target("query").on(base)) {
            peft.save(dir);
        }
        Path weights = dir.resolve("adapter_model.safetensors");
        Map<String, NDArray> tensors = readAll(weights);
        // no modules_to_save, yet PEFT's load_state_dict(strict=False) would load these two
        tensors.put("base_model.model.query_tokens", manager.ones(new Shape(1, 1, ToyModel.HIDDEN)));
        tensors.put("base_model.model.encoder.layer.0.attention.query.base_layer.bias", manager.ones(new Shape(ToyModel.HIDDEN)));
        SafetensorsWriter.write(weights, tensors);
        float[] baseOut = run(base.model());
        try (PeftModel<ToyModel.Net> loaded = Peft.load(base, dir)) {
            LoadReport report = loaded.loadReport("default").orElseThrow();
            assertTrue(report.isExact(), report.toString());
            assertEquals(3 * 2 + 2, report.loaded());
            assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1},
                    loaded.adaptable().root().namedParameters().get("query_tokens").getArray().toFloatArray());
            assertFalse(java.util.Arrays.equals(baseOut, run(loaded.model())));
            assertFalse(loaded.trainableParameters().containsKey("base_model.model.query_tokens"), "replaced, not trained");
            assertFalse(loaded.adaptable().root().namedParameters().get("query_tokens").getArray().hasGradient());
            assertEquals(3 * 2, loaded.trainableParameters().size());
            Path again = tmp.resolve("again");
            loaded.save(again);
            try (Checkpoint c = Checkpoint.open(again.resolve("adapter_model.safetensors"))) {
                assertTrue(c.names().contains("base_model.model.query_tokens"), "kept on save");
                assertTrue(c.names().contains("base_model.model.encoder.layer.0.attention.query.base_layer.bias"));
            }
        }
        assertArrayEquals(baseOut, run(base.model()), "the base model keeps its tensors");
    }

    @Test
    void badAdapterDirectoriesFailWithOneClearMessage() throws IOException {
        PeftException none = assertThrows(PeftException.class, () -> Peft.load(base, tmp.resolve("missing")));
        assertTrue(none.getMessage().contains("no such adapter directory"), none.getMessage());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertTrue(assertThrows(PeftException.class, () -> Peft.load(base, empty)).getMessage().contains("no adapter_config.json"));
        Path pickle = Files.createDirectories(tmp.resolve("pickle"));
        Files.writeString(pickle.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 2, \"target_modules\": [\"query\"]}");
        Files.write(pickle.resolve("adapter_model.bin"), new byte[] {1, 2, 3});
        assertTrue(assertThrows(PeftException.class, () -> Peft.load(base, pickle)).getMessage().contains("pickle"));
        Path conv1d = Files.createDirectories(tmp.resolve("conv1d"));
        Files.writeString(conv1d.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 2, \"fan_in_fan_out\": true, \"target_modules\": [\"query\"]}");
        assertTrue(assertThrows(PeftException.class, () -> Peft.load(base, conv1d)).getMessage().contains("fan_in_fan_out = true is not supported"));
        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Files.writeString(broken.resolve("adapter_config.json"), "{\"r\": 2,");
        assertTrue(assertThrows(PeftException.class, () -> Peft.load(base, broken)).getMessage().contains("invalid JSON"));
        Path notarget = Files.createDirectories(tmp.resolve("notarget"));
        Files.writeString(notarget.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 2, \"target_modules\": [\"nothing_here\"]}");
        TargetNotFoundException t = assertThrows(TargetNotFoundException.class, () -> Peft.load(base, notarget));
        assertTrue(t.getMessage().contains("'nothing_here'"), t.getMessage());
    }

    @Test
    void severalAdaptersSaveLikePeftSubdirectories() throws IOException {
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(2).target("query").on(base)) {
            peft.addAdapter("ffn", LoraConfig.builder().r(1).addTargetModules("fc1").build());
            peft.save(tmp.resolve("all"));
        }
        assertTrue(Files.isRegularFile(tmp.resolve("all/adapter_config.json")));
        assertTrue(Files.isRegularFile(tmp.resolve("all/ffn/adapter_model.safetensors")));
        assertEquals(List.of("fc1"), ((LoraConfig) Peft.readConfig(tmp.resolve("all/ffn"))).targetModules());
    }

    @Test
    void exportMergedWritesAStandaloneCheckpoint() throws IOException {
        Path out = tmp.resolve("merged");
        float[] expected;
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(2).init(InitLoraWeights.RANDOM).target(Component.QFORMER_ALL)
                .train(Component.LANGUAGE_PROJECTION).on(base)) {
            peft.adaptable().root().namedParameters().get("proj.bias").getArray().addi(1f);
            expected = run(peft.model());
            peft.exportMerged(out);
            assertFalse(peft.isMerged(), "export leaves the model unmerged");
        }
        assertTrue(Files.isRegularFile(out.resolve("config.json")));
        ToyModel reloaded = ToyModel.structure();
        try (Checkpoint c = Checkpoint.open(out)) {
            assertTrue(c.names().stream().noneMatch(n -> n.contains("lora_")), "no adapter tensors in a merged checkpoint");
            Weights.load(reloaded.root(), c, "", manager, Set.of());
        }
        float[] got = run(reloaded.model());
        for (int i = 0; i < got.length; i++) {
            // float32 merge error is relative: these outputs reach about 4
            assertEquals(expected[i], got[i], 1e-5 * Math.max(1, Math.abs(expected[i])), "output " + i);
        }
    }

    private static Set<String> listing(Path dir) throws IOException {
        Set<String> out = new TreeSet<>();
        try (var s = Files.list(dir)) {
            s.forEach(p -> out.add(p.getFileName().toString()));
        }
        return out;
    }
}
