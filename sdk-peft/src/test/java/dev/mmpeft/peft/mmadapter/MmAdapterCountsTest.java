package dev.mmpeft.peft.mmadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.LavinConfig;
import dev.mmpeft.core.testing.TestResources;
import dev.mmpeft.models.lavin.Lavin;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.ParameterReport;
import dev.mmpeft.peft.Peft;
import org.junit.jupiter.api.Test;

/**
 * LaVIN's Table 1 counts from the configs alone: 3.8M trainable parameters for LaVIN-7B, 5.4M for
 * LaVIN-13B, with the per-part breakdown of the released code's trainable set (every tensor whose
 * name holds "adapter": the MM-Adapters before LLaMA and CLIP self-attention, the visual adapter,
 * the modality embedding).
 */
class MmAdapterCountsTest {
    @Test
    void lavin7bTrains3point8Million() {
        ParameterReport r = report("lavin-7b");
        // per LLaMA layer: conv_A 8 x 4096 + 8, conv_B and conv_D 4096 x 4 + 4096 each, router 2 x 4096 + 2 = 81,930
        assertEquals(32 * 81_930L, r.trainable("LLM_ATTN"));
        assertEquals(24 * 20_490L, r.trainable("VISION_ATTN"));
        assertEquals(659_584L, r.trainable("LANGUAGE_PROJECTION"));
        assertEquals(8_192L, r.trainable("MODALITY_EMBEDDING"));
        assertEquals(3_781_296L, r.trainable());
        assertEquals("3.8M", millions(r.trainable()));
    }

    @Test
    void lavin13bTrains5point4Million() {
        ParameterReport r = report("lavin-13b");
        assertEquals(40 * 102_410L, r.trainable("LLM_ATTN"));
        assertEquals(24 * 20_490L, r.trainable("VISION_ATTN"));
        assertEquals(791_680L, r.trainable("LANGUAGE_PROJECTION"));
        assertEquals(10_240L, r.trainable("MODALITY_EMBEDDING"));
        assertEquals(5_390_080L, r.trainable());
        assertEquals("5.4M", millions(r.trainable()));
    }

    @Test
    void placementAndConnectorAreOptions() {
        Lavin seven = Lavin.fromConfig(Configs.read(TestResources.hfConfig("lavin-7b"), LavinConfig.class));
        // LaVIN's 'block' / 'router_block' variants: adapters before the feed-forward too
        ParameterReport block = Peft.mmAdapter().target(Component.LLM_ALL, Component.VISION_ALL).report(Adaptables.lavin(seven));
        assertEquals(2 * 32 * 81_930L + 2 * 24 * 20_490L + 659_584L + 8_192L, block.trainable());
        // the visual adapter frozen; the language model alone (no CLIP adapters)
        ParameterReport llmOnly = Peft.mmAdapter().target(Component.LLM_ATTN).trainConnector(false).report(Adaptables.lavin(seven));
        assertEquals(32 * 81_930L + 8_192L, llmOnly.trainable());
        // another width k: per layer 2 k d + 4 d + k + 2 (conv_A k d + k, conv_B/D d k/2 + d each, router 2 d + 2)
        ParameterReport wide = Peft.mmAdapter().dim(16).target(Component.LLM_ATTN).trainConnector(false).report(Adaptables.lavin(seven));
        assertEquals(32 * (2L * 16 * 4096 + 4 * 4096 + 16 + 2) + 8_192L, wide.trainable());
    }

    private static ParameterReport report(String config) {
        Lavin structure = Lavin.fromConfig(Configs.read(TestResources.hfConfig(config), LavinConfig.class));
        return Peft.mmAdapter().report(Adaptables.lavin(structure));
    }

    private static String millions(long n) {
        return String.format(java.util.Locale.ROOT, "%.1fM", n / 1e6);
    }
}
