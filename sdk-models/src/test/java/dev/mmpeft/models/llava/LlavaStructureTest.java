package dev.mmpeft.models.llava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.LlavaConfig;
import dev.mmpeft.core.testing.TestResources;
import dev.mmpeft.models.family.ModelInputs;
import dev.mmpeft.models.family.Models;
import dev.mmpeft.models.family.MultimodalModel;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** LLaVA's structure from config alone: module names per component and parameter counts. */
class LlavaStructureTest {
    @Test
    void parameterCountsOfLlava15_7bFromTheHubConfig() {
        Path hub = TestResources.hfConfig("llava-1.5-7b-hf");
        try (MultimodalModel model = Models.fromConfig(hub)) {
            // CLIP ViT-L/14-336: D = 1024, I = 4096, 24 layers, 24x24 patches of 14x14x3 pixels
            long d = 1024;
            long i = 4096;
            long positions = 24 * 24 + 1;
            long clipLayer = 4 * (d * d + d) + 2 * (2 * d) + (d * i + i) + (i * d + d);
            long clip = d + d * 3 * 14 * 14 + positions * d + 2 * d + 24 * clipLayer + 2 * d;
            // projector: linear_1 1024 -> 4096, linear_2 4096 -> 4096, with biases
            long h = 4096;
            long projector = (d * h + h) + (h * h + h);
            // Vicuna-7B with LLaVA's 32064-token vocabulary, untied head
            long vocab = 32064;
            long ffn = 11008;
            long llamaLayer = 4 * h * h + 3 * h * ffn + 2 * h;
            long llm = vocab * h + 32 * llamaLayer + h + vocab * h;
            assertEquals(Map.of("vision_tower", clip, "multi_modal_projector", projector, "language_model", llm), model.parameterCounts());
            assertEquals(303_507_456L, clip);
            assertEquals(20_979_712L, projector);
            assertEquals(6_738_939_904L, llm);
            assertEquals(7_063_427_072L, model.parameterCount());
            assertEquals(List.of("vision_tower", "multi_modal_projector", "language_model"), List.copyOf(model.parameterCounts().keySet()));
        }
    }

    @Test
    void componentsMapToTheHuggingFaceModules() {
        LlavaConfig config = Configs.read(TestResources.hfConfig("llava-1.5-7b-hf"), LlavaConfig.class);
        Llava model = Llava.fromConfig(config);
        Set<String> attn = model.modulesOf(Component.VISION_ATTN);
        assertEquals(24 * 4, attn.size());
        assertTrue(attn.contains("vision_tower.vision_model.encoder.layers.0.self_attn.q_proj"));
        assertTrue(attn.contains("vision_tower.vision_model.encoder.layers.23.self_attn.out_proj"));
        assertEquals(24 * 2, model.modulesOf(Component.VISION_MLP).size());
        assertTrue(model.modulesOf(Component.VISION_MLP).contains("vision_tower.vision_model.encoder.layers.5.mlp.fc2"));
        assertEquals(Set.of("multi_modal_projector"), model.modulesOf(Component.LANGUAGE_PROJECTION));
        assertEquals(Set.of("multi_modal_projector"), model.modulesOf(Component.parse("connector")));
        Set<String> llmAttn = model.modulesOf(Component.LLM_ATTN);
        assertEquals(64, llmAttn.size());
        assertTrue(llmAttn.contains("language_model.model.layers.31.self_attn.v_proj"));
        assertEquals(96, model.modulesOf(Component.LLM_FFN).size());
        assertTrue(model.modulesOf(Component.LLM_FFN).contains("language_model.model.layers.0.mlp.gate_proj"));
        assertEquals(160, model.modulesOf(Component.LLM_ALL).size());
        assertEquals(24 * 6, model.modulesOf(Component.VISION_ALL).size());
        for (Component c : List.of(Component.QFORMER_SELF_ATTN, Component.QFORMER_CROSS_ATTN, Component.QFORMER_FFN,
                Component.QFORMER_ALL, Component.QUERY_TOKENS)) {
            assertEquals(Set.of(), model.modulesOf(c), c.name());
        }
        // every name is a real module; the linear ones are Linear layers (what LoRA targets)
        Map<String, HfBlock> modules = model.namedModules();
        for (Component c : Component.values()) {
            for (String name : model.modulesOf(c)) {
                assertTrue(modules.containsKey(name), name);
                if (c != Component.LANGUAGE_PROJECTION) {
                    assertTrue(modules.get(name) instanceof Linear, name);
                }
            }
        }
        // LoRA at r = 1 on the LLM's q/v: 32 layers x 2 x (4096 + 4096)
        long loraR1 = llmAttn.stream().mapToLong(n -> ((Linear) modules.get(n)).inFeatures() + ((Linear) modules.get(n)).outFeatures()).sum();
        assertEquals(524_288L, loraR1);
    }

    @Test
    void theTensorNamesOfBothLayouts() {
        Llava model = Llava.fromConfig(Configs.read(TestResources.hfConfig("llava-1.5-7b-hf"), LlavaConfig.class));
        Set<String> legacy = model.parameterShapes().keySet();
        assertTrue(legacy.contains("vision_tower.vision_model.embeddings.class_embedding"));
        assertTrue(legacy.contains("vision_tower.vision_model.embeddings.patch_embedding.weight"));
        assertTrue(legacy.contains("vision_tower.vision_model.embeddings.position_embedding.weight"));
        assertTrue(legacy.contains("vision_tower.vision_model.pre_layrnorm.bias"));
        assertTrue(legacy.contains("vision_tower.vision_model.post_layernorm.weight"));
        assertTrue(legacy.contains("multi_modal_projector.linear_1.bias"));
        assertTrue(legacy.contains("language_model.model.embed_tokens.weight"));
        assertTrue(legacy.contains("language_model.lm_head.weight"));
        assertEquals(new ai.djl.ndarray.types.Shape(1024, 3, 14, 14),
                model.parameterShapes().get("vision_tower.vision_model.embeddings.patch_embedding.weight"));
        assertEquals(new ai.djl.ndarray.types.Shape(577, 1024),
                model.parameterShapes().get("vision_tower.vision_model.embeddings.position_embedding.weight"));
        List<String> current = model.currentLayoutNames();
        assertTrue(current.contains("model.vision_tower.vision_model.encoder.layers.0.self_attn.k_proj.bias"));
        assertTrue(current.contains("model.multi_modal_projector.linear_2.weight"));
        assertTrue(current.contains("model.language_model.layers.0.self_attn.q_proj.weight"));
        assertTrue(current.contains("model.language_model.norm.weight"));
        assertTrue(current.contains("lm_head.weight"));
        assertEquals(legacy.size(), current.size());
    }

    @Test
    void aStructureFromConfigRefusesToRun() {
        try (MultimodalModel model = Models.fromConfig(TestResources.hfConfig("llava-1.5-7b-hf")); NDManager m = NDManager.newBaseManager()) {
            MmpeftException e = assertThrows(MmpeftException.class,
                    () -> model.forward(ModelInputs.of(Map.of("input_ids", m.create(new long[] {1, 2}, new ai.djl.ndarray.types.Shape(1, 2))))));
            assertEquals("this llava model is a structure built from its config only (no weights); load the model directory with"
                    + " Models.load to run it", e.getMessage());
        }
    }
}
