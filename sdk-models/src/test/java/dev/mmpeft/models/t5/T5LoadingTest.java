package dev.mmpeft.models.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.config.ConfigException;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.models.nn.WeightMismatchException;
import dev.mmpeft.models.nn.Weights;
import dev.mmpeft.models.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading Hugging Face T5 directories: tied aliases, shards, and clear errors. */
class T5LoadingTest {
    @TempDir Path tmp;

    private static float[] logits(T5Model model, NDManager m) {
        NDArray ids = m.create(new long[][] {{3, 7, 1}});
        NDArray mask = m.create(new long[][] {{1, 1, 1}});
        NDArray dec = m.create(new long[][] {{0, 5}});
        return model.forward(model.embedTokens(ids), mask, dec, null, null).logits().toFloatArray();
    }

    @Test
    void tiedAliasesAreAcceptedWhetherPresentOrNot() throws IOException {
        Golden golden = Golden.of("t5-gated-tied");
        try (NDManager m = NDManager.newBaseManager(); T5Model reference = T5Model.load(golden.directory())) {
            float[] expected = logits(reference, m);
            Map<String, NDArray> tensors = new LinkedHashMap<>(Weights.arrays(reference));
            NDArray shared = tensors.get("shared.weight");
            // as an older export would write it: every tied alias present
            Path withAliases = tmp.resolve("aliases");
            Files.createDirectories(withAliases);
            Files.copy(golden.directory().resolve("config.json"), withAliases.resolve("config.json"));
            Map<String, NDArray> all = new LinkedHashMap<>(tensors);
            all.put("encoder.embed_tokens.weight", shared);
            all.put("decoder.embed_tokens.weight", shared);
            all.put("lm_head.weight", shared);
            SafetensorsWriter.write(withAliases.resolve("model.safetensors"), all);
            try (T5Model loaded = T5Model.load(withAliases)) {
                assertEquals(0.0, Golden.maxAbsDiff(expected, logits(loaded, m)));
            }
            // only an alias, no shared.weight
            Path onlyAlias = tmp.resolve("only-alias");
            Files.createDirectories(onlyAlias);
            Files.copy(golden.directory().resolve("config.json"), onlyAlias.resolve("config.json"));
            Map<String, NDArray> renamed = new LinkedHashMap<>(tensors);
            renamed.remove("shared.weight");
            renamed.put("encoder.embed_tokens.weight", shared);
            SafetensorsWriter.write(onlyAlias.resolve("model.safetensors"), renamed);
            try (T5Model loaded = T5Model.load(onlyAlias)) {
                assertEquals(0.0, Golden.maxAbsDiff(expected, logits(loaded, m)));
            }
        }
    }

    @Test
    void shardedCheckpointLoadsTheSameModel() throws IOException {
        Golden golden = Golden.of("t5-relu-untied");
        try (NDManager m = NDManager.newBaseManager(); T5Model reference = T5Model.load(golden.directory())) {
            float[] expected = logits(reference, m);
            Path dir = tmp.resolve("sharded");
            Files.createDirectories(dir);
            Files.copy(golden.directory().resolve("config.json"), dir.resolve("config.json"));
            Map<String, NDArray> first = new TreeMap<>();
            Map<String, NDArray> second = new TreeMap<>();
            ObjectNode index = Json.mapper().createObjectNode();
            index.putObject("metadata").put("total_size", 0);
            ObjectNode map = index.putObject("weight_map");
            for (Map.Entry<String, NDArray> e : Weights.arrays(reference).entrySet()) {
                boolean inFirst = e.getKey().startsWith("encoder") || e.getKey().startsWith("shared");
                (inFirst ? first : second).put(e.getKey(), e.getValue());
                map.put(e.getKey(), inFirst ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
            }
            SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), first);
            SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), second);
            Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), Json.write(index));
            try (T5Model loaded = T5Model.load(dir)) {
                assertEquals(0.0, Golden.maxAbsDiff(expected, logits(loaded, m)));
            }
        }
    }

    @Test
    void mismatchListsMissingUnexpectedAndMisshapedNames() throws IOException {
        Golden golden = Golden.of("t5-gated-tied");
        try (T5Model reference = T5Model.load(golden.directory())) {
            Map<String, NDArray> tensors = new LinkedHashMap<>(Weights.arrays(reference));
            tensors.remove("decoder.block.1.layer.2.DenseReluDense.wo.weight");
            tensors.put("decoder.block.9.layer.0.SelfAttention.q.weight", tensors.get("decoder.block.0.layer.0.SelfAttention.q.weight"));
            tensors.put("encoder.final_layer_norm.weight", tensors.get("shared.weight"));
            Path dir = tmp.resolve("broken");
            Files.createDirectories(dir);
            Files.copy(golden.directory().resolve("config.json"), dir.resolve("config.json"));
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
            WeightMismatchException e = assertThrows(WeightMismatchException.class, () -> T5Model.load(dir));
            assertEquals(java.util.List.of("decoder.block.1.layer.2.DenseReluDense.wo.weight"), e.missing());
            assertEquals(java.util.List.of("decoder.block.9.layer.0.SelfAttention.q.weight"), e.unexpected());
            assertEquals(1, e.mismatched().size());
            assertTrue(e.mismatched().get(0).startsWith("encoder.final_layer_norm.weight: checkpoint [24, 16], model expects (16)"),
                    e.mismatched().get(0));
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        }
    }

    @Test
    void wrongModelTypeIsAConfigError() throws IOException {
        Path dir = tmp.resolve("llama");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\"}");
        ConfigException e = assertThrows(ConfigException.class, () -> T5Model.load(dir));
        assertTrue(e.getMessage().contains("T5Config"), e.getMessage());
    }

    @Test
    void saveWritesWhatLoadReads() throws IOException {
        T5Config config = T5Config.builder().vocabSize(30).dModel(8).dKv(2).dFf(10).numLayers(1).numHeads(2)
                .feedForwardProj("gated-gelu").build();
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = T5Model.random(config, m, 7, 0.3f);
            Path dir = tmp.resolve("saved");
            model.save(dir);
            try (T5Model loaded = T5Model.load(dir)) {
                assertEquals(config, loaded.config());
                assertEquals(0.0, Golden.maxAbsDiff(logits(model, m), logits(loaded, m)));
            }
        }
    }
}
