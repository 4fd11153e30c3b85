package dev.mmpeft.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mmpeft.core.Component;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * PETAL's Table 4 rows from the parts named: all on, each named part off, DMA alone when AIM and
 * SIB are both ablated; the base setting's recipe, rank and expert count kept; bad parts and a
 * non-PETAL base refused by name.
 */
class AblationTest {
    private static final FineTuning PETAL = FineTuning.dma(PetalMethod.full()).toBuilder().rank(16).build()
            .withRecipe(1e-2, 3, 8, 0);

    private static List<String> slugs(List<FineTuning> settings) {
        return settings.stream().map(FineTuning::slug).toList();
    }

    @Test
    void everyPartAblatedGivesTable4sFiveRows() {
        List<FineTuning> rows = Ablation.petalVariants(Set.of("dma", "aim", "sib"), PETAL);
        assertEquals(List.of("petal-dma-aim-sib-r16", "petal-aim-sib", "petal-dma-sib-r16", "petal-dma-aim-r16", "petal-dma-r16"),
                slugs(rows));
        for (FineTuning s : rows) {
            assertEquals(1e-2, s.learningRate());
            assertEquals(3, s.epochs());
            assertEquals(16, s.rank());
        }
        PetalMethod noAim = (PetalMethod) rows.get(2).method();
        assertEquals(0, noAim.aimExperts());
        PetalMethod all = (PetalMethod) rows.get(0).method();
        assertEquals(3, all.aimExperts());
        assertEquals(0.1, all.sibEta());
    }

    @Test
    void onlyTheNamedPartsAreSwitchedAndAConfiguredExpertCountIsKept() {
        FineTuning fiveExperts = PETAL.toBuilder().method(new PetalMethod(true, 5, List.of(), true, 0.3)).build();
        List<FineTuning> rows = Ablation.petalVariants(Set.of("sib"), fiveExperts);
        assertEquals(List.of("petal-dma-aim-sib-r16", "petal-dma-aim-r16"), slugs(rows));
        assertEquals(5, ((PetalMethod) rows.get(1).method()).aimExperts());
        assertEquals(List.of("petal-dma-aim-sib-r16"), slugs(Ablation.petalVariants(Set.of(), fiveExperts)));
    }

    @Test
    void badPartsAndANonPetalBaseAreRefusedByName() {
        ExperimentException part = assertThrows(ExperimentException.class, () -> Ablation.petalVariants(Set.of("lora"), PETAL));
        assertEquals("unknown ablation part 'lora' (expected dma, aim, sib)", part.getMessage());
        FineTuning lora = FineTuning.lora(EnumSet.of(Component.LLM_FFN), 2);
        ExperimentException base = assertThrows(ExperimentException.class, () -> Ablation.petalVariants(Set.of("dma"), lora));
        assertEquals("the ablation's base setting must be PETAL (FineTuning.dma), got LORA", base.getMessage());
        assertThrows(ExperimentException.class, () -> new PetalMethod(false, 0, List.of(), false, 0.1));
    }
}
