package dev.mmpeft.models.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.ConfigException;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.models.family.ModelInputs;
import dev.mmpeft.models.family.Models;
import dev.mmpeft.models.family.MultimodalModel;
import dev.mmpeft.models.nn.WeightMismatchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading LLaVA checkpoints of both layouts, saving them, and the typed errors of bad files and inputs. */
class LlavaLoadingTest {
    /** A copy of a reference fixture's config.json and model files, which the test may then break. */
    static Path copyOf(String fixture, Path to) throws Exception {
        Path from = LlavaReferenceTest.fixture(fixture);
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    /** Rewrites a single-file checkpoint without {@code dropped}. */
    static void dropTensor(Path dir, String dropped) throws Exception {
        Path file = dir.resolve(Checkpoint.SINGLE_FILE);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> kept = new LinkedHashMap<>();
            try (Checkpoint c = Checkpoint.open(file)) {
                assertTrue(c.find(dropped).isPresent(), dropped);
                for (String n : c.names()) {
                    if (!n.equals(dropped)) {
                        kept.put(n, c.load(n, m));
                    }
                }
            }
            SafetensorsWriter.write(file, kept);
        }
    }

    @Test
    void aMissingTensorIsNamedWithItsFileInTheCheckpointsLayout(@TempDir Path tmp) throws Exception {
        Path legacy = copyOf("default-legacy", tmp.resolve("legacy"));
        dropTensor(legacy, "multi_modal_projector.linear_2.bias");
        WeightMismatchException e = assertThrows(WeightMismatchException.class, () -> Models.load(legacy));
        assertEquals(legacy.resolve("model.safetensors") + ": checkpoint does not fit the model; missing tensors (1): multi_modal_projector.linear_2.bias",
                e.getMessage());
        assertEquals(List.of("multi_modal_projector.linear_2.bias"), e.mismatch().missing());

        Path current = copyOf("full-current-tied", tmp.resolve("current"));
        dropTensor(current, "model.vision_tower.vision_model.encoder.layers.1.self_attn.q_proj.weight");
        e = assertThrows(WeightMismatchException.class, () -> Llava.load(current));
        assertEquals(current.resolve("model.safetensors")
                + ": checkpoint does not fit the model; missing tensors (1): model.vision_tower.vision_model.encoder.layers.1.self_attn.q_proj.weight",
                e.getMessage());
    }

    @Test
    void aFeatureLayerOutOfRangeFailsAtLoadNamingTheField(@TempDir Path tmp) throws Exception {
        Path dir = copyOf("default-legacy", tmp.resolve("m"));
        Path config = dir.resolve("config.json");
        ObjectNode root = (ObjectNode) Json.read(config);
        root.put("vision_feature_layer", 4);
        Files.writeString(config, Json.write(root));
        ConfigException e = assertThrows(ConfigException.class, () -> Models.load(dir));
        assertEquals(config + ": field 'vision_feature_layer' is 4; expected an index into the vision tower's 4 hidden states"
                + " (the embeddings output and vision_config.num_hidden_layers = 3 layers), from -4 to 3", e.getMessage());
    }

    @Test
    void anUnknownModelTypeNamesTheFileAndListsTheKnownOnes(@TempDir Path tmp) throws Exception {
        Path config = tmp.resolve("config.json");
        Files.writeString(config, "{\"model_type\": \"blip-2\"}");
        ConfigException e = assertThrows(ConfigException.class, () -> Models.load(tmp));
        assertEquals(config + ": model_type 'blip-2' is not a known model family; known model types: instructblip (family instructblip),"
                + " lavin (family lavin), llava (family llava)", e.getMessage());
        Files.writeString(config, "{\"architectures\": [\"LlavaForConditionalGeneration\"]}");
        e = assertThrows(ConfigException.class, () -> Models.fromConfig(config));
        assertTrue(e.getMessage().startsWith(config + ": required field 'model_type' is missing; expected one of the known model types instructblip"),
                e.getMessage());
        ConfigException none = assertThrows(ConfigException.class, () -> Models.load(tmp.resolve("absent")));
        assertEquals(tmp.resolve("absent") + ": no such config file (a model directory holds config.json)", none.getMessage());
    }

    @Test
    void imageTokensThatDoNotMatchTheFeaturesAreRefused() throws Exception {
        Path dir = LlavaReferenceTest.fixture("default-legacy");
        try (MultimodalModel model = Models.load(dir); NDManager m = NDManager.newBaseManager()) {
            ModelInputs good = ModelInputs.read(dir.resolve("inputs.safetensors"), m);
            long[] ids = good.tensors().get("input_ids").toLongArray();
            long[] shape = good.tensors().get("input_ids").getShape().getShape();
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] == 63) {
                    ids[i] = 5; // one image token fewer: 7 tokens for 2 images x 4 features
                    break;
                }
            }
            Map<String, NDArray> bad = new LinkedHashMap<>(good.tensors());
            bad.put("input_ids", m.create(ids, new ai.djl.ndarray.types.Shape(shape)));
            MmpeftException e = assertThrows(MmpeftException.class, () -> model.forward(ModelInputs.of(bad)));
            assertEquals("input_ids: Image features and image tokens do not match: tokens: 7, features 8 (2 images x 4 features each;"
                    + " expected one <image> token (id 63) per feature)", e.getMessage());

            Map<String, NDArray> oneImage = new LinkedHashMap<>(good.tensors());
            oneImage.put("pixel_values", good.tensors().get("pixel_values").get("0:1"));
            e = assertThrows(MmpeftException.class, () -> model.forward(ModelInputs.of(oneImage)));
            assertTrue(e.getMessage().startsWith("input_ids: Image features and image tokens do not match: tokens: 8, features 4"), e.getMessage());

            Map<String, NDArray> noImage = new LinkedHashMap<>(good.tensors());
            noImage.remove("pixel_values");
            e = assertThrows(MmpeftException.class, () -> model.forward(ModelInputs.of(noImage)));
            assertEquals("input_ids: 8 image tokens (id 63) but no pixel_values to fill them", e.getMessage());

            Map<String, NDArray> extra = new LinkedHashMap<>(good.tensors());
            extra.put("qformer_input_ids", good.tensors().get("input_ids"));
            e = assertThrows(MmpeftException.class, () -> model.forward(ModelInputs.of(extra)));
            assertEquals("inputs: unexpected input tensor 'qformer_input_ids' for the llava family; expected [input_ids] and optionally"
                    + " [pixel_values, attention_mask, labels]", e.getMessage());
        }
    }

    @Test
    void mixedLayoutsAndUnknownTensorsAreRefused(@TempDir Path tmp) throws Exception {
        Path dir = copyOf("default-legacy", tmp.resolve("m"));
        Path file = dir.resolve(Checkpoint.SINGLE_FILE);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> all = new LinkedHashMap<>();
            try (Checkpoint c = Checkpoint.open(file)) {
                for (String n : c.names()) {
                    all.put(n, c.load(n, m));
                }
            }
            all.put("model.multi_modal_projector.linear_1.bias", all.get("multi_modal_projector.linear_1.bias"));
            SafetensorsWriter.write(file, all);
            MmpeftException e = assertThrows(MmpeftException.class, () -> Llava.load(dir));
            assertTrue(e.getMessage().startsWith(file + ": holds tensor 'multi_modal_projector.linear_1.bias' twice"), e.getMessage());
            all.remove("model.multi_modal_projector.linear_1.bias");
            all.put("vision_tower.vision_model.embeddings.position_ids", m.arange(0, 5, 1, ai.djl.ndarray.types.DataType.INT64));
            all.put("image_newline", all.get("multi_modal_projector.linear_1.bias"));
            SafetensorsWriter.write(file, all);
            WeightMismatchException w = assertThrows(WeightMismatchException.class, () -> Llava.load(dir));
            // the buffer older exports saved is ignored; a tensor the model does not know is not
            assertEquals(List.of("image_newline"), w.mismatch().unexpected());
            assertTrue(w.mismatch().missing().isEmpty());
        }
    }

    @Test
    void aTiedModelIgnoresAStoredHeadAndFindsItsEmbeddingsUnderTheHeadsName(@TempDir Path tmp) throws Exception {
        Path dir = copyOf("full-current-tied", tmp.resolve("m"));
        Path file = dir.resolve(Checkpoint.SINGLE_FILE);
        float[] reference;
        try (Llava model = Llava.load(dir)) {
            reference = model.languageModel().model().embedTokens().weight().getArray().toFloatArray();
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> all = new LinkedHashMap<>();
            try (Checkpoint c = Checkpoint.open(file)) {
                for (String n : c.names()) {
                    all.put(n, c.load(n, m));
                }
            }
            // transformers may save the tied head too: ignored
            all.put("lm_head.weight", all.get("model.language_model.embed_tokens.weight"));
            SafetensorsWriter.write(file, all);
            try (Llava model = Llava.load(dir)) {
                assertArrayEquals(reference, model.languageModel().model().embedTokens().weight().getArray().toFloatArray());
            }
            // or only the head: the embeddings are read from it
            all.remove("model.language_model.embed_tokens.weight");
            SafetensorsWriter.write(file, all);
            try (Llava model = Llava.load(dir)) {
                assertArrayEquals(reference, model.languageModel().model().embedTokens().weight().getArray().toFloatArray());
            }
        }
    }

    @Test
    void savesTheLegacyLayoutAndReloadsToTheSameOutputs(@TempDir Path tmp) throws Exception {
        Path dir = LlavaReferenceTest.fixture("default-current-sharded");
        try (Llava model = Llava.load(dir); NDManager m = NDManager.newBaseManager()) {
            model.save(tmp);
            try (Checkpoint saved = Checkpoint.open(tmp)) {
                assertTrue(saved.find("language_model.lm_head.weight").isPresent());
                assertTrue(saved.find("vision_tower.vision_model.pre_layrnorm.weight").isPresent());
                assertFalse(saved.names().stream().anyMatch(n -> n.startsWith("model.")));
                assertEquals(model.namedParameters().size(), saved.names().size());
            }
            ModelInputs in = ModelInputs.read(dir.resolve("inputs.safetensors"), m);
            float[] before = LlavaFamily.of(model).forward(in).logits().toFloatArray();
            try (MultimodalModel reloaded = Models.forName("llava").orElseThrow().load(tmp, ai.djl.Device.cpu())) {
                assertEquals(model.config(), reloaded.config());
                float[] after = reloaded.forward(in).logits().toFloatArray();
                assertEquals(before.length, after.length);
                for (int i = 0; i < before.length; i++) {
                    assertEquals(before[i], after[i], 0f, "logit " + i);
                }
            }
        }
    }
}
