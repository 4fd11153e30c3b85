package dev.mmpeft.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Parameter;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.testing.TestResources;
import dev.mmpeft.models.instructblip.InstructBlip;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Trainable-parameter counts of bottleneck adapters (bottleneck size s), prefix tuning (virtual
 * tokens vt) and adaption prompts on the real Salesforce/instructblip-flan-t5-xl and
 * instructblip-vicuna-7b configs, structural (no weight allocated), each from its formula.
 *
 * <p>Flan-T5-XL's language model: d_model 2048, 24 encoder and 24 decoder blocks, 32 heads of
 * d_kv 64. Its Q-Former: hidden 768, 12 layers, cross-attention on every 2nd (6). Vicuna-7B: hidden
 * 4096, 32 layers, 32 heads (no grouped-query attention).
 */
class BlocksCountsTest {
    private static final long BASE = 4_022_969_088L;
    private static InstructBlip flanT5Xl;
    private static InstructBlip vicuna7b;

    @BeforeAll
    static void build() {
        flanT5Xl = InstructBlip.fromConfig(Configs.read(TestResources.hfConfig("instructblip-flan-t5-xl"), InstructBlipConfig.class));
        vicuna7b = InstructBlip.fromConfig(Configs.read(TestResources.hfConfig("instructblip-vicuna-7b"), InstructBlipConfig.class));
    }

    /** One bottleneck adapter on a sub-layer of width d: down [s, d] + bias [s], up [d, s] + bias [d]. */
    static long adapter(long d, long s) {
        return 2 * d * s + s + d;
    }

    @Test
    void bottleneckAdaptersOnTheLanguageModelAndTheQFormer() {
        for (int s : new int[] {1, 8, 32, 64}) {
            // Pfeiffer: after the feed-forward of the 24 encoder and 24 decoder blocks
            ParameterReport pfeiffer = Peft.adapter().bottleneck(s).report(flanT5Xl);
            assertEquals(48 * adapter(2048, s), pfeiffer.trainable(), "pfeiffer s=" + s);
            assertEquals(48 * adapter(2048, s), pfeiffer.trainable("LLM_FFN"));
            assertEquals(BASE + 48 * adapter(2048, s), pfeiffer.total());
            // Houlsby: after self-attention too (96 sub-layers; not after the decoder's cross-attention)
            ParameterReport houlsby = Peft.adapter().bottleneck(s).houlsby().target(Component.LLM_ALL).report(flanT5Xl);
            assertEquals(96 * adapter(2048, s), houlsby.trainable(), "houlsby s=" + s);
            assertEquals(48 * adapter(2048, s), houlsby.trainable("LLM_ATTN"));
        }
        assertEquals(12_684_288L, Peft.adapter().bottleneck(64).report(flanT5Xl).trainable());
        // reduction factor 16: s = 2048 / 16 = 128
        assertEquals(48 * adapter(2048, 128), Peft.adapter().reductionFactor(16).report(flanT5Xl).trainable());
        assertEquals(25_270_272L, Peft.adapter().reductionFactor(16).report(flanT5Xl).trainable());
        // Q-Former, Houlsby: 12 self-attention outputs, 6 cross-attention outputs, 24 feed-forward outputs (text and query branches)
        ParameterReport qformer = Peft.adapter().bottleneck(16).houlsby().target(Component.QFORMER_ALL).report(flanT5Xl);
        assertEquals(42 * adapter(768, 16), qformer.trainable());
        assertEquals(6 * adapter(768, 16), qformer.trainable("QFORMER_CROSS_ATTN"));
        // reduction factor per sub-layer width: 768 / 16 = 48 in the Q-Former, 2048 / 16 = 128 in the LLM
        assertEquals(24 * adapter(768, 48) + 48 * adapter(2048, 128),
                Peft.adapter().reductionFactor(16).target(Component.QFORMER_FFN, Component.LLM_FFN).report(flanT5Xl).trainable());
        assertTrue(flanT5Xl.getParameters().values().stream().noneMatch(Parameter::isInitialized), "no array allocated");
    }

    @Test
    void prefixTuningAndAdaptionPrompts() {
        for (int vt : new int[] {1, 10, 20, 64}) {
            // PEFT's prompt_embeddings [vt, num_layers * 2 * token_dim], T5: 24 layers, token_dim 32 x 64 = 2048
            ParameterReport t5 = Peft.prefix().virtualTokens(vt).report(flanT5Xl);
            assertEquals(vt * 24L * 2 * 2048, t5.trainable(), "flan-t5-xl vt=" + vt);
            assertEquals(BASE + vt * 24L * 2 * 2048, t5.total());
            assertEquals(vt * 24L * 2 * 2048, t5.trainable("LLM_ATTN"), "reported with the LLM's attention");
            // Vicuna-7B: 32 layers, token_dim 32 x 128 = 4096
            assertEquals(vt * 32L * 2 * 4096, Peft.prefix().virtualTokens(vt).report(vicuna7b).trainable(), "vicuna-7b vt=" + vt);
        }
        assertEquals(983_040L, Peft.prefix().virtualTokens(10).report(flanT5Xl).trainable());
        // the reparameterisation MLP trains instead: embedding [vt, 2048], Linear 2048 -> h, Linear h -> 98,304
        long vt = 10;
        long h = 512;
        assertEquals(vt * 2048 + (2048 * h + h) + (h * 98_304 + 98_304),
                Peft.prefix().virtualTokens(10).projection(512).report(flanT5Xl).trainable());
        // LLaMA-Adapter's setting: 10 prompt positions on the top 30 of 32 layers: 30 x (10 x 4096 + 1) = 1.2M
        assertEquals(30L * (10 * 4096 + 1), Peft.adaptionPrompt().promptLength(10).topLayers(30).report(vicuna7b).trainable());
        assertEquals(1_228_830L, Peft.adaptionPrompt().promptLength(10).topLayers(30).report(vicuna7b).trainable());
    }
}
