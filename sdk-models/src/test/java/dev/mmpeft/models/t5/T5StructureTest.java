package dev.mmpeft.models.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.core.testing.TestResources;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Hugging Face names, shapes and structural parameter counts, from configs alone (no arrays). */
class T5StructureTest {
    /** google/flan-t5-xl, the language model of Salesforce/instructblip-flan-t5-xl. */
    static T5Config flanT5Xl() {
        return T5Config.builder()
                .vocabSize(32128)
                .dModel(2048)
                .dKv(64)
                .dFf(5120)
                .numLayers(24)
                .numDecoderLayers(24)
                .numHeads(32)
                .relativeAttentionNumBuckets(32)
                .relativeAttentionMaxDistance(128)
                .feedForwardProj("gated-gelu")
                .tieWordEmbeddings(false)
                .build();
    }

    @Test
    void flanT5XlCountsLikeTransformers() {
        T5Model model = T5Model.fromConfig(flanT5Xl());
        assertEquals(2_849_757_184L, model.parameterCount());
        assertFalse(model.shared().weight().isInitialized(), "no arrays allocated");
    }

    @Test
    void hubConfigOfInstructBlipFlanT5XlCountsTheSame() {
        InstructBlipConfig blip = Configs.read(TestResources.hfConfig("instructblip-flan-t5-xl"), InstructBlipConfig.class);
        T5Config text = (T5Config) blip.textConfig();
        T5Model model = T5Model.fromConfig(text);
        assertEquals(2_849_757_184L, model.parameterCount());
        assertEquals("gelu", text.denseActFn(), "InstructBLIP's text_config overrides gelu_new with the erf gelu");
        assertTrue(model.encoder().blocks().get(0).feedForward().isGated());
    }

    @Test
    void parameterNamesAreHuggingFaces() {
        T5Model gated = T5Model.fromConfig(
                T5Config.builder().vocabSize(50).dModel(8).dKv(2).dFf(12).numLayers(2).numDecoderLayers(3).numHeads(4)
                        .feedForwardProj("gated-gelu").tieWordEmbeddings(true).build());
        Map<String, Shape> shapes = gated.parameterShapes();
        assertEquals(new Shape(50, 8), shapes.get("shared.weight"));
        assertEquals(new Shape(8, 8), shapes.get("encoder.block.0.layer.0.SelfAttention.q.weight"));
        assertEquals(new Shape(32, 4), shapes.get("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"));
        assertEquals(new Shape(32, 4), shapes.get("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"));
        assertFalse(shapes.containsKey("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"), "bias in block 0 only");
        assertFalse(shapes.containsKey("decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight"));
        assertEquals(new Shape(8), shapes.get("encoder.block.1.layer.0.layer_norm.weight"));
        assertEquals(new Shape(12, 8), shapes.get("encoder.block.1.layer.1.DenseReluDense.wi_0.weight"));
        assertEquals(new Shape(12, 8), shapes.get("encoder.block.1.layer.1.DenseReluDense.wi_1.weight"));
        assertEquals(new Shape(8, 12), shapes.get("encoder.block.1.layer.1.DenseReluDense.wo.weight"));
        assertEquals(new Shape(8, 8), shapes.get("decoder.block.2.layer.1.EncDecAttention.o.weight"));
        assertEquals(new Shape(12, 8), shapes.get("decoder.block.2.layer.2.DenseReluDense.wi_0.weight"));
        assertEquals(new Shape(8), shapes.get("encoder.final_layer_norm.weight"));
        assertEquals(new Shape(8), shapes.get("decoder.final_layer_norm.weight"));
        assertFalse(shapes.containsKey("lm_head.weight"), "tied head has no parameter of its own");
        assertFalse(shapes.containsKey("encoder.embed_tokens.weight"));
        assertTrue(gated.lmHead().isEmpty());
        // every parameter listed by DJL's getParameters carries the same HF name
        assertEquals(shapes.keySet(), Set.copyOf(gated.getParameters().keys()));

        T5Model relu = T5Model.fromConfig(
                T5Config.builder().vocabSize(50).dModel(8).dKv(2).dFf(12).numLayers(1).numHeads(4)
                        .feedForwardProj("relu").tieWordEmbeddings(false).build());
        Map<String, Shape> r = relu.parameterShapes();
        assertEquals(new Shape(12, 8), r.get("encoder.block.0.layer.1.DenseReluDense.wi.weight"));
        assertEquals(new Shape(50, 8), r.get("lm_head.weight"));
        assertEquals(1, relu.decoder().blocks().size(), "num_decoder_layers defaults to num_layers");
    }

    @Test
    void componentsMapToTheDesignTable() {
        T5Model model = T5Model.fromConfig(flanT5Xl());
        Set<String> attn = model.modulesOf(Component.LLM_ATTN);
        Set<String> ffn = model.modulesOf(Component.LLM_FFN);
        assertEquals(24 * 2 + 24 * 4, attn.size());
        assertEquals(48 * 3, ffn.size());
        assertTrue(attn.contains("decoder.block.23.layer.1.EncDecAttention.v"));
        assertTrue(ffn.contains("encoder.block.0.layer.1.DenseReluDense.wi_1"));
        assertTrue(ffn.contains("decoder.block.5.layer.2.DenseReluDense.wo"));
        assertEquals(attn.size() + ffn.size(), model.modulesOf(Component.LLM_ALL).size());
        assertTrue(model.modulesOf(Component.QFORMER_FFN).isEmpty());
        // LoRA at r = 1 on these modules: the DESIGN.md numbers
        assertEquals(589_824L, loraCount(model, attn));
        assertEquals(1_032_192L, loraCount(model, ffn));
    }

    private static long loraCount(T5Model model, Set<String> modules) {
        long n = 0;
        for (String m : modules) {
            HfBlock b = model.module(m).orElseThrow(() -> new AssertionError("no module " + m));
            Linear l = (Linear) b;
            n += l.inFeatures() + l.outFeatures();
        }
        return n;
    }
}
