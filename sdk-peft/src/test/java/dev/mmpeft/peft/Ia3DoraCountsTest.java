package dev.mmpeft.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Parameter;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.QFormerConfig;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.core.testing.TestResources;
import dev.mmpeft.models.instructblip.InstructBlip;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * IA3 and DoRA parameter counts on the real Salesforce/instructblip-flan-t5-xl config, structural (no
 * weight allocated), each asserted against its formula written from the config's sizes.
 *
 * <p>IA3 = sum over targeted attention modules of d_out + sum over feed-forward modules of d_in.
 * DoRA = LoRA (r * (d_in + d_out) per module) + d_out per module (the magnitude vector).
 */
class Ia3DoraCountsTest {
    private static final long BASE = 4_022_969_088L;
    private static InstructBlip structure;
    private static QFormerConfig q;
    private static T5Config t5;

    @BeforeAll
    static void build() {
        InstructBlipConfig config = Configs.read(TestResources.hfConfig("instructblip-flan-t5-xl"), InstructBlipConfig.class);
        structure = InstructBlip.fromConfig(config);
        q = config.qformerConfig();
        t5 = (T5Config) config.textConfig();
    }

    /** IA3 per component, from the config: which modules have an IA3 role, and the size each one scales. */
    static Map<Component, Long> ia3Formulas() {
        long h = q.hiddenSize();
        long i = q.intermediateSize();
        long layers = q.numHiddenLayers();
        long crossLayers = (layers + q.crossAttentionFrequency() - 1) / q.crossAttentionFrequency();
        long inner = (long) t5.numHeads() * t5.dKv();
        long blocks = t5.numLayers() + t5.numDecoderLayers();
        Map<Component, Long> out = new LinkedHashMap<>();
        // self-attention key and value (attention: d_out each)
        out.put(Component.QFORMER_SELF_ATTN, layers * (h + h));
        // cross-attention key, value (d_out) and output.dense (feed-forward by the BERT table: d_in)
        out.put(Component.QFORMER_CROSS_ATTN, crossLayers * (h + h + h));
        // output.dense and output_query.dense, feed-forward: d_in = intermediate size each
        out.put(Component.QFORMER_FFN, layers * (i + i));
        // k and v (d_out = heads * d_kv) of encoder self-attention, decoder self- and cross-attention
        out.put(Component.LLM_ATTN, t5.numLayers() * 2 * inner + t5.numDecoderLayers() * 4 * inner);
        // wo, feed-forward: d_in = d_ff, in every encoder and decoder block
        out.put(Component.LLM_FFN, blocks * t5.dFf());
        return out;
    }

    @Test
    void ia3PerComponentAndDefaultTargets() {
        Map<Component, Long> expected = ia3Formulas();
        assertEquals(Map.of(Component.QFORMER_SELF_ATTN, 18_432L, Component.QFORMER_CROSS_ATTN, 13_824L,
                Component.QFORMER_FFN, 73_728L, Component.LLM_ATTN, 294_912L, Component.LLM_FFN, 245_760L), expected);
        for (Map.Entry<Component, Long> e : expected.entrySet()) {
            ParameterReport report = Peft.ia3().target(e.getKey()).report(structure);
            assertEquals(e.getValue(), report.trainable(), e.getKey() + "\n" + report.table());
            assertEquals(e.getValue(), report.trainable(e.getKey().name()), e.getKey() + " row\n" + report.table());
            assertTrue(report.rows().stream().allMatch(r -> r.method().equals("ia3")), report.table());
            assertEquals(BASE + e.getValue(), report.total());
        }
        // PEFT's T5 defaults (k, v, wo; wo feed-forward) = the LLM's attention and FFN rows
        ParameterReport defaults = Peft.ia3().report(structure);
        long llm = expected.get(Component.LLM_ATTN) + expected.get(Component.LLM_FFN);
        assertEquals(540_672L, llm);
        assertEquals(llm, defaults.trainable());
        assertEquals("trainable params: 540,672 || all params: 4,023,509,760 || trainable%: 0.0134", defaults.summary());
        // every component at once: the sum of the rows
        long all = expected.values().stream().mapToLong(Long::longValue).sum();
        assertEquals(all, Peft.ia3().target(Component.QFORMER_ALL, Component.LLM_ALL).report(structure).trainable());
        // with the connector trained in full (the study's "tuned connector" setting): PEFT counts its copy in "all params"
        long projection = (long) q.hiddenSize() * t5.dModel() + t5.dModel();
        ParameterReport withConnector = Peft.ia3().train(Component.LANGUAGE_PROJECTION).report(structure);
        assertEquals(llm + projection, withConnector.trainable());
        assertEquals(BASE + llm + projection, withConnector.total());
        assertTrue(structure.getParameters().values().stream().noneMatch(Parameter::isInitialized), "no array allocated");
    }

    @Test
    void doraAtRank1IsLoraPlusOneMagnitudePerOutputFeature() {
        long h = q.hiddenSize();
        long i = q.intermediateSize();
        long e = q.encoderHiddenSize();
        long layers = q.numHiddenLayers();
        long crossLayers = (layers + q.crossAttentionFrequency() - 1) / q.crossAttentionFrequency();
        long inner = (long) t5.numHeads() * t5.dKv();
        long d = t5.dModel();
        long blocks = t5.numLayers() + t5.numDecoderLayers();
        long attnModules = 2L * t5.numLayers() + 4L * t5.numDecoderLayers();
        Map<Component, long[]> loraAndMagnitude = new LinkedHashMap<>();
        // {LoRA r=1: sum(d_in + d_out), magnitudes: sum(d_out)}
        loraAndMagnitude.put(Component.QFORMER_SELF_ATTN, new long[] {layers * 2 * (h + h), layers * 2 * h});
        loraAndMagnitude.put(Component.QFORMER_CROSS_ATTN, new long[] {crossLayers * ((h + h) + 2 * (e + h) + (h + h)), crossLayers * 4 * h});
        loraAndMagnitude.put(Component.QFORMER_FFN, new long[] {layers * 2 * ((h + i) + (i + h)), layers * 2 * (i + h)});
        loraAndMagnitude.put(Component.LLM_ATTN, new long[] {attnModules * (d + inner), attnModules * inner});
        loraAndMagnitude.put(Component.LLM_FFN, new long[] {blocks * (2 * (d + t5.dFf()) + (t5.dFf() + d)), blocks * (2 * t5.dFf() + d)});
        Map<Component, Long> doraAtRank1 = Map.of(Component.QFORMER_SELF_ATTN, 55_296L, Component.QFORMER_CROSS_ATTN, 62_976L,
                Component.QFORMER_FFN, 276_480L, Component.LLM_ATTN, 884_736L, Component.LLM_FFN, 1_622_016L);
        for (Map.Entry<Component, long[]> x : loraAndMagnitude.entrySet()) {
            long lora = x.getValue()[0];
            long dora = lora + x.getValue()[1];
            assertEquals(doraAtRank1.get(x.getKey()), dora, x.getKey() + " formula");
            assertEquals(lora, Peft.lora().rank(1).target(x.getKey()).report(structure).trainable(), x.getKey() + " LoRA");
            ParameterReport report = Peft.lora().rank(1).dora(true).target(x.getKey()).report(structure);
            assertEquals(dora, report.trainable(), x.getKey() + " DoRA\n" + report.table());
            assertEquals(BASE + dora, report.total());
            // rank 4: only the LoRA part grows
            assertEquals(4 * lora + x.getValue()[1], Peft.lora().rank(4).dora(true).target(x.getKey()).report(structure).trainable());
        }
    }

    @Test
    void componentsWithoutAnIa3RoleAreRefusedByName() {
        PeftException projection = assertThrows(PeftException.class, () -> Peft.ia3().target(Component.LANGUAGE_PROJECTION).report(structure));
        assertTrue(projection.getMessage().startsWith("component LANGUAGE_PROJECTION has no module IA3 can take"), projection.getMessage());
        assertTrue(projection.getMessage().contains("[language_projection]"), projection.getMessage());
        PeftException vision = assertThrows(PeftException.class, () -> Peft.ia3().target(Component.VISION_ALL).report(structure));
        assertTrue(vision.getMessage().startsWith("component VISION_ALL has no module IA3 can take"), vision.getMessage());
        PeftException tensor = assertThrows(PeftException.class, () -> Peft.ia3().target(Component.QUERY_TOKENS).report(structure));
        assertTrue(tensor.getMessage().startsWith("component QUERY_TOKENS has no module IA3 can take"), tensor.getMessage());
    }
}
