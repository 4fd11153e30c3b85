package dev.mmpeft.models.instructblip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Structure from a config alone: names, per-part counts of the real hub config, Component modules. */
class InstructBlipStructureTest {
    static InstructBlipConfig hub(String name) throws Exception {
        Path p = Path.of(InstructBlipStructureTest.class.getResource("/hf-configs/" + name + "/config.json").toURI());
        return Configs.read(p, InstructBlipConfig.class);
    }

    @Test
    void flanT5XlCountsMatchTheHubInstantly() throws Exception {
        long start = System.nanoTime();
        StructuralCount c = InstructBlip.structuralCount(hub("instructblip-flan-t5-xl"));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(985_952_256L, c.part("vision_model"));
        assertEquals(185_660_160L, c.part("qformer"));
        assertEquals(1_574_912L, c.part("language_projection"));
        assertEquals(24_576L, c.part("query_tokens"));
        assertEquals(2_849_757_184L, c.part("language_model"));
        assertEquals(4_022_969_088L, c.total());
        assertTrue(seconds < 5, "counting took " + seconds + " s");
        assertTrue(c.table().contains("4,022,969,088"), c.table());
    }

    @Test
    void parameterNamesAreHuggingFaces() throws Exception {
        InstructBlip m = InstructBlip.fromConfig(hub("instructblip-flan-t5-xl"));
        Map<String, ai.djl.ndarray.types.Shape> shapes = m.parameterShapes();
        assertEquals(new ai.djl.ndarray.types.Shape(1, 32, 768), shapes.get("query_tokens"));
        assertEquals(new ai.djl.ndarray.types.Shape(4224), shapes.get("vision_model.encoder.layers.38.self_attn.qkv.bias"));
        assertEquals(new ai.djl.ndarray.types.Shape(1408, 3, 14, 14), shapes.get("vision_model.embeddings.patch_embedding.weight"));
        assertEquals(new ai.djl.ndarray.types.Shape(1, 257, 1408), shapes.get("vision_model.embeddings.position_embedding"));
        assertTrue(shapes.containsKey("vision_model.post_layernorm.weight"));
        assertTrue(shapes.containsKey("qformer.embeddings.layernorm.weight"));
        assertTrue(shapes.containsKey("qformer.encoder.layer.10.crossattention.attention.key.weight"));
        assertFalse(shapes.containsKey("qformer.encoder.layer.11.crossattention.attention.key.weight"));
        assertEquals(new ai.djl.ndarray.types.Shape(768, 1408), shapes.get("qformer.encoder.layer.0.crossattention.attention.value.weight"));
        assertTrue(shapes.containsKey("qformer.encoder.layer.11.output_query.LayerNorm.bias"));
        assertTrue(shapes.containsKey("language_projection.weight"));
        assertTrue(shapes.containsKey("language_model.encoder.block.23.layer.1.DenseReluDense.wi_1.weight"));
        assertFalse(shapes.containsKey("qformer.embeddings.position_ids"));
        assertFalse(m.namedParameters().values().stream().anyMatch(ai.djl.nn.Parameter::isInitialized), "no arrays");
    }

    @Test
    void componentModulesGiveThePapersLoraCounts() throws Exception {
        InstructBlip m = InstructBlip.fromConfig(hub("instructblip-flan-t5-xl"));
        // LoRA at r = 1 adds d_in + d_out per Linear module (DESIGN.md)
        assertEquals(36_864, loraR1(m, Component.QFORMER_SELF_ATTN));
        assertEquals(44_544, loraR1(m, Component.QFORMER_CROSS_ATTN));
        assertEquals(184_320, loraR1(m, Component.QFORMER_FFN));
        assertEquals(589_824, loraR1(m, Component.LLM_ATTN));
        assertEquals(1_032_192, loraR1(m, Component.LLM_FFN));
        assertEquals(36_864 + 44_544 + 184_320, loraR1(m, Component.QFORMER_ALL));
        assertEquals(24, m.modulesOf(Component.QFORMER_SELF_ATTN).size());
        assertEquals(24, m.modulesOf(Component.QFORMER_CROSS_ATTN).size());
        assertTrue(m.modulesOf(Component.QFORMER_CROSS_ATTN).contains("qformer.encoder.layer.2.crossattention.output.dense"));
        assertTrue(m.modulesOf(Component.LLM_ATTN).contains("language_model.decoder.block.0.layer.1.EncDecAttention.q"));
        assertEquals(Set.of("query_tokens"), m.modulesOf(Component.QUERY_TOKENS));
        assertEquals(Set.of("language_projection"), m.modulesOf(Component.LANGUAGE_PROJECTION));
        assertEquals(39 * 4, m.modulesOf(Component.VISION_ALL).size());
        for (Component c : Component.values()) {
            for (String name : m.modulesOf(c)) {
                if (!name.equals("query_tokens")) {
                    assertTrue(m.module(name).isPresent(), c + ": no module " + name);
                }
            }
        }
    }

    private static long loraR1(InstructBlip m, Component c) {
        long n = 0;
        for (String name : m.modulesOf(c)) {
            HfBlock b = m.module(name).orElseThrow();
            Linear l = (Linear) b;
            n += l.inFeatures() + l.outFeatures();
        }
        return n;
    }
}
