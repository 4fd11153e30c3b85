package dev.mmpeft.models.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.core.testing.SharedFiles;
import dev.mmpeft.core.testing.TestResources;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.models.nn.WeightMismatchException;
import dev.mmpeft.models.nn.Weights;
import dev.mmpeft.models.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hugging Face names, structural counts and loading of LLaMA checkpoints. */
class LlamaStructureTest {
    @TempDir Path tmp;

    @Test
    void vicuna7bCountsLikeTransformers() {
        InstructBlipConfig blip = Configs.read(TestResources.hfConfig("instructblip-vicuna-7b"), InstructBlipConfig.class);
        LlamaModel model = LlamaModel.fromConfig((LlamaConfig) blip.textConfig());
        // LLaMA-7B has 6,738,415,616 parameters with 32,000 tokens; InstructBLIP's Vicuna adds one
        // token to both the embedding and the untied head: + 2 x 4096
        assertEquals(6_738_415_616L + 2 * 4096, model.parameterCount());
        Set<String> attn = model.modulesOf(Component.LLM_ATTN);
        long lora = 0;
        for (String name : attn) {
            Linear l = (Linear) model.module(name).orElseThrow();
            lora += l.inFeatures() + l.outFeatures();
        }
        assertEquals(32 * 2 * (4096 + 4096), lora, "LoRA r=1 on LLM attention: 32 layers x 2 matrices x (4096 + 4096)");
        assertEquals(32 * 3, model.modulesOf(Component.LLM_FFN).size());
        assertTrue(model.modulesOf(Component.LLM_FFN).contains("model.layers.31.mlp.down_proj"));
        assertTrue(model.modulesOf(Component.QFORMER_ALL).isEmpty());
    }

    @Test
    void namesAndShapesFollowTheConfig() {
        LlamaConfig config = LlamaConfig.builder().vocabSize(40).hiddenSize(24).intermediateSize(30).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).headDim(8).attentionBias(true).mlpBias(false)
                .tieWordEmbeddings(true).build();
        Map<String, Shape> s = LlamaModel.fromConfig(config).parameterShapes();
        assertEquals(new Shape(40, 24), s.get("model.embed_tokens.weight"));
        assertEquals(new Shape(32, 24), s.get("model.layers.1.self_attn.q_proj.weight"));
        assertEquals(new Shape(32), s.get("model.layers.1.self_attn.q_proj.bias"));
        assertEquals(new Shape(16, 24), s.get("model.layers.1.self_attn.k_proj.weight"));
        assertEquals(new Shape(24, 32), s.get("model.layers.0.self_attn.o_proj.weight"));
        assertEquals(new Shape(30, 24), s.get("model.layers.0.mlp.gate_proj.weight"));
        assertEquals(new Shape(24, 30), s.get("model.layers.0.mlp.down_proj.weight"));
        assertFalse(s.containsKey("model.layers.0.mlp.down_proj.bias"));
        assertEquals(new Shape(24), s.get("model.layers.0.input_layernorm.weight"));
        assertEquals(new Shape(24), s.get("model.layers.0.post_attention_layernorm.weight"));
        assertEquals(new Shape(24), s.get("model.norm.weight"));
        assertFalse(s.containsKey("lm_head.weight"), "tied: no head of its own");
    }

    @Test
    void storiesCheckpointHasExactlyTheModelsTensors() throws IOException {
        Path dir = SharedFiles.get("checkpoints/stories260K");
        try (LlamaModel model = LlamaModel.load(dir)) {
            // embeddings 512 x 64 + 5 layers x (q 64x64, k/v 32x64, o 64x64, 3 x 172x64, 2 norms) + norm
            assertEquals(512 * 64 + 5 * (4096 + 2048 + 2048 + 4096 + 3 * 11008 + 128) + 64, model.parameterCount());
            try (var checkpoint = dev.mmpeft.core.safetensors.Checkpoint.open(dir); NDManager m = NDManager.newBaseManager()) {
                // the file also stores the tied head; it equals the embedding, so ignoring it loses nothing
                assertEquals(model.parameterCount() + 512 * 64, checkpoint.parameterCount());
                assertEquals(checkpoint.load("model.embed_tokens.weight", m), checkpoint.load("lm_head.weight", m));
            }
        }
    }

    @Test
    void oldRotaryBuffersAndTiedHeadAreIgnoredButStrangersAreNot() throws IOException {
        Golden golden = Golden.of("llama-gqa-tied");
        try (NDManager m = NDManager.newBaseManager(); LlamaModel reference = LlamaModel.load(golden.directory())) {
            Map<String, NDArray> tensors = new LinkedHashMap<>(Weights.arrays(reference));
            tensors.put("model.layers.0.self_attn.rotary_emb.inv_freq", m.create(reference.model().rotary().invFreq(m)));
            tensors.put("lm_head.weight", tensors.get("model.embed_tokens.weight"));
            Path dir = tmp.resolve("old");
            Files.createDirectories(dir);
            Files.copy(golden.directory().resolve("config.json"), dir.resolve("config.json"));
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
            try (LlamaModel loaded = LlamaModel.load(dir)) {
                NDArray ids = m.create(new long[][] {{1, 5, 9}});
                NDArray mask = m.create(new long[][] {{1, 1, 1}});
                float[] a = reference.forward(reference.embedTokens(ids), mask, null, null, null).logits().toFloatArray();
                float[] b = loaded.forward(loaded.embedTokens(ids), mask, null, null, null).logits().toFloatArray();
                assertEquals(0.0, Golden.maxAbsDiff(a, b));
            }
            tensors.put("model.layers.0.self_attn.q_norm.weight", m.ones(new Shape(6)));
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
            WeightMismatchException e = assertThrows(WeightMismatchException.class, () -> LlamaModel.load(dir));
            assertEquals(java.util.List.of("model.layers.0.self_attn.q_norm.weight"), e.unexpected());
        }
    }

    @Test
    void randomModelSavedThenShardedLoadsTheSame() throws IOException {
        LlamaConfig config = LlamaConfig.builder().vocabSize(30).hiddenSize(16).intermediateSize(24).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(1).tieWordEmbeddings(false).build();
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = LlamaModel.random(config, m, 4, 0.4f);
            Path saved = tmp.resolve("saved");
            model.save(saved);
            NDArray ids = m.create(new long[][] {{1, 5, 9, 3}});
            NDArray mask = m.create(new long[][] {{1, 1, 1, 1}});
            float[] expected = model.forward(model.embedTokens(ids), mask, null, null, null).logits().toFloatArray();
            try (LlamaModel loaded = LlamaModel.load(saved)) {
                assertEquals(config, loaded.config());
                assertEquals(0.0, Golden.maxAbsDiff(expected,
                        loaded.forward(loaded.embedTokens(ids), mask, null, null, null).logits().toFloatArray()));
            }
            // the same tensors split over two shards with an index
            Path sharded = tmp.resolve("sharded");
            Files.createDirectories(sharded);
            Files.copy(saved.resolve("config.json"), sharded.resolve("config.json"));
            Map<String, NDArray> first = new java.util.TreeMap<>();
            Map<String, NDArray> second = new java.util.TreeMap<>();
            var index = dev.mmpeft.core.io.Json.mapper().createObjectNode();
            var map = index.putObject("weight_map");
            for (Map.Entry<String, NDArray> e : Weights.arrays(model).entrySet()) {
                boolean one = e.getKey().startsWith("model.layers.0") || e.getKey().startsWith("lm_head");
                (one ? first : second).put(e.getKey(), e.getValue());
                map.put(e.getKey(), one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
            }
            SafetensorsWriter.write(sharded.resolve("model-00001-of-00002.safetensors"), first);
            SafetensorsWriter.write(sharded.resolve("model-00002-of-00002.safetensors"), second);
            Files.writeString(sharded.resolve("model.safetensors.index.json"), dev.mmpeft.core.io.Json.write(index));
            try (LlamaModel loaded = LlamaModel.load(sharded)) {
                assertEquals(0.0, Golden.maxAbsDiff(expected,
                        loaded.forward(loaded.embedTokens(ids), mask, null, null, null).logits().toFloatArray()));
            }
        }
    }

    @Test
    void decoderInputsAreRejectedForADecoderOnlyModel() {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaConfig config = LlamaConfig.builder().vocabSize(10).hiddenSize(8).intermediateSize(8).numHiddenLayers(1)
                    .numAttentionHeads(2).build();
            LlamaModel model = LlamaModel.random(config, m, 1, 0.2f);
            NDArray ids = m.create(new long[][] {{1, 2}});
            var e = assertThrows(dev.mmpeft.core.MmpeftException.class,
                    () -> model.forward(model.embedTokens(ids), m.ones(new Shape(1, 2)), ids, null, null));
            assertTrue(e.getMessage().contains("decoder-only"), e.getMessage());
        }
    }
}
