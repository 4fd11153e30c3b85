package dev.mmpeft.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.Component;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Settings name their runs exactly as the samples always did (folders, tables and summary.json rely on it). */
class FineTuningTest {
    @Test
    void slugsLabelsAndSizesOfTheStandardMethods() {
        FineTuning lora = FineTuning.lora(EnumSet.of(Component.LLM_FFN, Component.QFORMER_CROSS_ATTN), 2);
        assertEquals("lora-qformer_cross_attn+llm_ffn-r2", lora.slug());
        assertEquals("QFORMER_CROSS_ATTN+LLM_FFN", lora.componentLabel());
        assertEquals(2, lora.method().size(lora));
        assertEquals(4.0, lora.alpha());
        assertEquals(0.05, lora.dropout());
        assertEquals(5e-4, lora.learningRate());
        assertEquals("LORA", lora.method().name());
        assertEquals("qformer-full", FineTuning.fullQformer().slug());
        assertEquals("QFORMER_FULL", FineTuning.fullQformer().componentLabel());
        assertEquals(0, FineTuning.fullQformer().method().size(FineTuning.fullQformer()));
        assertEquals(2e-5, FineTuning.fullQformer().learningRate());
        assertEquals("zero-shot", FineTuning.zeroShot().slug());
        assertEquals(false, FineTuning.zeroShot().method().trains());

        FineTuning tuned = lora.withRecipe(5e-3, 3, 8, 1).withAlpha(8).withSeed(7);
        assertEquals(List.of(5e-3, 3.0, 8.0, 1.0, 8.0, 7.0),
                List.of(tuned.learningRate(), (double) tuned.epochs(), (double) tuned.batchSize(), (double) tuned.patience(),
                        tuned.alpha(), (double) tuned.seed()));
        assertEquals(lora.slug(), tuned.slug(), "the recipe does not rename the run");
        assertEquals(Set.of(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN), FineTuning.parseComponents("qformer-cross-attn+LLM_FFN"));
    }

    @Test
    void badSettingsAreRefusedWithTheFieldAndValue() {
        ExperimentException e = assertThrows(ExperimentException.class, () -> FineTuning.lora(Set.of(), 2));
        assertEquals("LoRA needs at least one component to target", e.getMessage());
        e = assertThrows(ExperimentException.class, () -> FineTuning.lora(Set.of(Component.LLM_FFN), 0));
        assertEquals("rank must be >= 1, got 0", e.getMessage());
        e = assertThrows(ExperimentException.class, () -> FineTuning.fullQformer().withRecipe(1e-3, 0, 16, 3));
        assertTrue(e.getMessage().contains("got epochs 0, batch 16, patience 3, lr 0.001"), e.getMessage());
        assertThrows(ExperimentException.class, () -> FineTuning.parseComponents(" , "));
    }

    @Test
    void theGridKeepsTheAlphaToRankRatioAndTheRunOrder() {
        Sweep.Grid grid = new Sweep.Grid(List.of(Set.of(Component.QFORMER_CROSS_ATTN), Set.of(Component.LLM_FFN)),
                List.of(1, 4), true, true);
        FineTuning recipe = FineTuning.lora(Set.of(Component.LLM_ATTN), 2).withAlpha(8).withRecipe(5e-3, 2, 4, 0);
        List<FineTuning> settings = grid.settings(recipe, FineTuning.fullQformer());
        assertEquals(List.of("zero-shot", "qformer-full", "lora-qformer_cross_attn-r1", "lora-qformer_cross_attn-r4",
                "lora-llm_ffn-r1", "lora-llm_ffn-r4"), settings.stream().map(FineTuning::slug).toList());
        assertEquals(4.0, settings.get(2).alpha());
        assertEquals(16.0, settings.get(3).alpha());
        assertEquals(5e-3, settings.get(5).learningRate());
        assertEquals(32, Sweep.Grid.papers().settings(recipe, FineTuning.fullQformer()).size() - 2);
        assertThrows(ExperimentException.class, () -> new Sweep.Grid(List.of(), List.of(1), false, false));
    }
}
