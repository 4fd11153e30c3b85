package dev.mmpeft.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Parameter;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.testing.TestResources;
import dev.mmpeft.models.instructblip.InstructBlip;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The papers' per-component LoRA parameter counts on the real Salesforce/instructblip-flan-t5-xl
 * config (the hub's config.json, a sdk-core test resource), structural: no weight is allocated.
 */
class InstructBlipCountsTest {
    private static final long BASE = 4_022_969_088L;
    private static final Map<Component, Long> AT_RANK_1 = Map.of(
            Component.QFORMER_SELF_ATTN, 36_864L,
            Component.QFORMER_CROSS_ATTN, 44_544L,
            Component.QFORMER_FFN, 184_320L,
            Component.LLM_ATTN, 589_824L,
            Component.LLM_FFN, 1_032_192L);
    private static InstructBlip structure;

    @BeforeAll
    static void build() {
        InstructBlipConfig config = Configs.read(TestResources.hfConfig("instructblip-flan-t5-xl"), InstructBlipConfig.class);
        structure = InstructBlip.fromConfig(config);
    }

    @Test
    void perComponentCountsAtRanks1248() {
        for (Map.Entry<Component, Long> e : AT_RANK_1.entrySet()) {
            for (int r : new int[] {1, 2, 4, 8}) {
                ParameterReport report = Peft.lora().rank(r).target(e.getKey()).report(structure);
                assertEquals(e.getValue() * r, report.trainable(), e.getKey() + " at r=" + r);
                assertEquals(e.getValue() * r, report.trainable(e.getKey().name()), e.getKey() + " row");
                assertEquals(BASE + e.getValue() * r, report.total());
            }
        }
        assertTrue(structure.getParameters().values().stream().noneMatch(Parameter::isInitialized), "no array allocated");
    }

    @Test
    void reportLineAndCompositeTargets() {
        ParameterReport selfAttn = Peft.lora().rank(1).target(Component.QFORMER_SELF_ATTN).report(structure);
        assertEquals("trainable params: 36,864 || all params: 4,023,005,952 || trainable%: 0.0009", selfAttn.summary());
        ParameterReport all = Peft.lora().rank(2).target(Component.QFORMER_ALL, Component.LLM_ALL).report(structure);
        long sum = AT_RANK_1.values().stream().mapToLong(Long::longValue).sum();
        assertEquals(2 * sum, all.trainable());
        assertEquals(5, all.rows().size(), all.table());
        // the papers' extras, when asked for: query tokens and the language projection
        ParameterReport extras = Peft.lora().rank(1).target(Component.QFORMER_CROSS_ATTN)
                .train(Component.QUERY_TOKENS, Component.LANGUAGE_PROJECTION).report(structure);
        assertEquals(44_544L + 24_576L + 1_574_912L, extras.trainable());
        // full fine-tuning of the Q-Former's linear layers combined with LoRA on the LLM
        ParameterReport combined = Peft.lora().rank(4).target(Component.LLM_ALL).and(Peft.full().target("qformer")).report(structure);
        assertEquals(4 * (589_824L + 1_032_192L) + 185_660_160L, combined.trainable());
    }

    @Test
    void vicuna7bLlmAttentionCount() {
        InstructBlipConfig config = Configs.read(TestResources.hfConfig("instructblip-vicuna-7b"), InstructBlipConfig.class);
        InstructBlip vicuna = InstructBlip.fromConfig(config);
        for (int r : new int[] {1, 2, 4, 8}) {
            assertEquals(32L * 2 * (4096 + 4096) * r, Peft.lora().rank(r).target(Component.LLM_ATTN).report(vicuna).trainable(), "r=" + r);
        }
        // the Q-Former is the same as Flan-T5-XL's
        assertEquals(36_864L, Peft.lora().rank(1).target(Component.QFORMER_SELF_ATTN).report(vicuna).trainable());
    }
}
