package dev.mmpeft.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.Component;
import dev.mmpeft.peft.PeftConfig;
import dev.mmpeft.peft.adaptionprompt.AdaptionPromptConfig;
import dev.mmpeft.peft.bottleneck.AdapterPlacement;
import dev.mmpeft.peft.bottleneck.BottleneckConfig;
import dev.mmpeft.peft.ia3.Ia3Config;
import dev.mmpeft.peft.lora.LoraConfig;
import dev.mmpeft.peft.prefix.PrefixTuningConfig;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * "Method name + size options + targets" becomes the PEFT configuration each method's builder would
 * make by hand; settings name their runs by method and size; an option of another method is refused
 * naming both; the study's grid and its method x connector table.
 */
class StandardMethodsTest {
    private static PeftConfig config(FineTuning s) {
        return s.method().peftBuilder(s).orElseThrow().build();
    }

    @Test
    void eachMethodBuildsItsPeftConfigurationWithItsSizeAndTheConnector() {
        LoraConfig lora = (LoraConfig) config(FineTuning.study(StandardMethods.LORA));
        assertEquals(2, lora.r());
        assertEquals(8.0, lora.loraAlpha());
        assertEquals(Set.of(Component.LLM_ALL), lora.targetComponents());
        assertFalse(lora.useDora());
        assertEquals(Set.of(), lora.trainComponents());

        LoraConfig dora = (LoraConfig) config(FineTuning.study(StandardMethods.DORA).toBuilder().rank(4).alpha(16).build());
        assertTrue(dora.useDora());
        assertEquals(4, dora.r());

        Ia3Config ia3 = (Ia3Config) config(FineTuning.study(StandardMethods.IA3).withConnectorTuned(true));
        assertFalse(ia3.hasTargets(), "no target: PEFT's defaults of the language model's family");
        assertEquals(Set.of(Component.LANGUAGE_PROJECTION), ia3.trainComponents());

        BottleneckConfig adapter = (BottleneckConfig) config(FineTuning.study(StandardMethods.ADAPTER));
        assertEquals(StandardMethods.DEFAULT_BOTTLENECK, adapter.bottleneckSize().getAsInt());
        assertEquals(AdapterPlacement.PFEIFFER, adapter.placement());
        BottleneckConfig houlsby = (BottleneckConfig) config(FineTuning.study(StandardMethods.ADAPTER).toBuilder()
                .reductionFactor(16).placement(AdapterPlacement.HOULSBY).addComponents(Component.QFORMER_ALL).build());
        assertEquals(16.0, houlsby.reductionFactor().getAsDouble());
        assertTrue(houlsby.bottleneckSize().isEmpty());
        assertEquals(AdapterPlacement.HOULSBY, houlsby.placement());
        assertEquals(Set.of(Component.QFORMER_ALL), houlsby.targetComponents());

        PrefixTuningConfig prefix = (PrefixTuningConfig) config(FineTuning.study(StandardMethods.PREFIX).toBuilder()
                .virtualTokens(20).prefixProjection(64).build());
        assertEquals(20, prefix.numVirtualTokens());
        assertTrue(prefix.prefixProjection());
        assertEquals(64, prefix.encoderHiddenSize().getAsInt());

        AdaptionPromptConfig prompt = (AdaptionPromptConfig) config(FineTuning.study(StandardMethods.ADAPTION_PROMPT).toBuilder()
                .adaptionLayers(30).build());
        assertEquals(StandardMethods.DEFAULT_PROMPT_LENGTH, prompt.adapterLen());
        assertEquals(30, prompt.adapterLayers());

        // the papers' extras (query tokens and projection) on any method
        PeftConfig extras = config(FineTuning.study(StandardMethods.PREFIX).withTrainExtras(true));
        assertEquals(Set.of(Component.QUERY_TOKENS, Component.LANGUAGE_PROJECTION), extras.trainComponents());
        assertTrue(StandardMethods.ZERO_SHOT.peftBuilder(FineTuning.zeroShot()).isEmpty());
        assertInstanceOf(LoraConfig.class, config(FineTuning.fullQformer()));
        assertEquals(List.of("qformer", "query_tokens", "language_projection"), config(FineTuning.fullQformer()).modulesToSave());
    }

    @Test
    void slugsLabelsAndSizesNameEachRun() {
        FineTuning lora = FineTuning.study(StandardMethods.LORA);
        assertEquals(List.of("lora-llm_all-r2", "LLM_ALL", "r=2", "LoRA", 2),
                List.of(lora.slug(), lora.componentLabel(), lora.method().sizeLabel(lora), lora.method().displayName(), lora.method().size(lora)));
        assertEquals("lora-llm_all-r2-connector", lora.withConnectorTuned(true).slug());
        assertEquals("dora-llm_all-r2", FineTuning.study(StandardMethods.DORA).slug());
        FineTuning ia3 = FineTuning.study(StandardMethods.IA3);
        assertEquals(List.of("ia3", "LLM", "", 0), List.of(ia3.slug(), ia3.componentLabel(), ia3.method().sizeLabel(ia3), ia3.method().size(ia3)));
        FineTuning ia3Attn = ia3.toBuilder().addComponents(Component.LLM_ATTN).addTargetModules("output.dense").build();
        assertEquals("ia3-llm_attn+output_dense", ia3Attn.slug());
        assertEquals("LLM_ATTN+output.dense", ia3Attn.componentLabel());
        FineTuning adapter = FineTuning.study(StandardMethods.ADAPTER);
        assertEquals(List.of("adapter-pfeiffer-s8", "s=8", 8), List.of(adapter.slug(), adapter.method().sizeLabel(adapter), adapter.method().size(adapter)));
        FineTuning houlsby = adapter.toBuilder().reductionFactor(2.5).placement(AdapterPlacement.HOULSBY).build();
        assertEquals(List.of("adapter-houlsby-f2.5", "f=2.5 houlsby", 0),
                List.of(houlsby.slug(), houlsby.method().sizeLabel(houlsby), houlsby.method().size(houlsby)));
        FineTuning prefix = FineTuning.study(StandardMethods.PREFIX).toBuilder().prefixProjection(32).build();
        assertEquals(List.of("prefix-vt10-p32-connector", "vt=10 p=32", 10), List.of(prefix.withConnectorTuned(true).slug(),
                prefix.method().sizeLabel(prefix), prefix.method().size(prefix)));
        FineTuning prompt = FineTuning.study(StandardMethods.ADAPTION_PROMPT).toBuilder().promptLength(4).build();
        assertEquals(List.of("adaption-prompt-len4-top2", "len=4 top 2", 4),
                List.of(prompt.slug(), prompt.method().sizeLabel(prompt), prompt.method().size(prompt)));
        assertEquals("adaption-prompt", StandardMethods.ADAPTION_PROMPT.cliName());
        assertEquals(StandardMethods.ADAPTION_PROMPT, StandardMethods.parse(" Adaption_Prompt "));
        assertEquals(StandardMethods.FULL_QFORMER, StandardMethods.parse("full-qformer"));
        FineTuning mm = FineTuning.study(StandardMethods.MM_ADAPTER);
        assertEquals(List.of("mm-adapter", "LLM+VISION", "", StandardMethods.MM_ADAPTER),
                List.of(mm.slug(), mm.method().label(mm), mm.method().sizeLabel(mm), StandardMethods.parse("MM_Adapter")));
        ExperimentException unknown = assertThrows(ExperimentException.class, () -> StandardMethods.parse("loha"));
        assertEquals("unknown method 'loha'; expected one of zero-shot, lora, dora, ia3, adapter, prefix, adaption-prompt, mm-adapter, full-qformer",
                unknown.getMessage());
    }

    @Test
    void anOptionOfAnotherMethodOrABadSizeIsRefusedNamingBoth() {
        FineTuning lora = FineTuning.study(StandardMethods.LORA);
        ExperimentException e = assertThrows(ExperimentException.class, () -> lora.toBuilder().virtualTokens(10).build());
        assertEquals("LORA takes no virtual tokens (virtual-tokens is an option of: prefix)", e.getMessage());
        e = assertThrows(ExperimentException.class, () -> FineTuning.study(StandardMethods.PREFIX).toBuilder()
                .addComponents(Component.LLM_FFN).build());
        assertEquals("PREFIX takes no targets (target is an option of: lora, dora, ia3, adapter, mm-adapter)", e.getMessage());
        e = assertThrows(ExperimentException.class, () -> FineTuning.fullQformer().withConnectorTuned(true));
        assertEquals("FULL_QFORMER takes no connector tuning (connector is an option of: lora, dora, ia3, adapter, prefix,"
                + " adaption-prompt)", e.getMessage());
        e = assertThrows(ExperimentException.class, () -> FineTuning.study(StandardMethods.IA3).toBuilder().bottleneckSize(8).build());
        assertTrue(e.getMessage().startsWith("IA3 takes no bottleneck size (bottleneck is an option of: adapter)"), e.getMessage());
        e = assertThrows(ExperimentException.class, () -> FineTuning.study(StandardMethods.ADAPTER).toBuilder().bottleneckSize(0).build());
        assertEquals("bottleneck size must be >= 1, got 0", e.getMessage());
        e = assertThrows(ExperimentException.class, () -> FineTuning.study(StandardMethods.ADAPTER).toBuilder()
                .bottleneckSize(8).reductionFactor(16).build());
        assertEquals("a bottleneck adapter takes a bottleneck size or a reduction factor, not both (got 8 and 16)", e.getMessage());
        e = assertThrows(ExperimentException.class, () -> FineTuning.study(StandardMethods.PREFIX).toBuilder().virtualTokens(-3).build());
        assertEquals("virtual tokens must be >= 1, got -3", e.getMessage());
        e = assertThrows(ExperimentException.class, () -> FineTuning.study(StandardMethods.ADAPTER).toBuilder()
                .reductionFactor(Double.POSITIVE_INFINITY).build());
        assertEquals("reduction factor must be a finite number > 0, got Infinity", e.getMessage());
        e = assertThrows(ExperimentException.class, () -> FineTuning.study(StandardMethods.DORA).toBuilder()
                .components(EnumSet.noneOf(Component.class)).build());
        assertEquals("DoRA needs at least one component to target", e.getMessage());
    }

    @Test
    void theStudyRunsEveryMethodWithEveryConnectorSetting() {
        Sweep.Study study = Sweep.Study.peftStudy();
        List<FineTuning> settings = study.settings(FineTuning::study);
        assertEquals(List.of("zero-shot", "lora-llm_all-r2", "lora-llm_all-r2-connector", "ia3", "ia3-connector",
                "adapter-pfeiffer-s8", "adapter-pfeiffer-s8-connector", "prefix-vt10", "prefix-vt10-connector"),
                settings.stream().map(FineTuning::slug).toList());
        List<FineTuning> tunedOnly = new Sweep.Study(List.of(StandardMethods.IA3), List.of(true, true), false)
                .settings(m -> FineTuning.study(m).toBuilder().learningRate(0.05).build());
        assertEquals(List.of("ia3-connector"), tunedOnly.stream().map(FineTuning::slug).toList());
        assertEquals(0.05, tunedOnly.get(0).learningRate());
        ExperimentException e = assertThrows(ExperimentException.class,
                () -> new Sweep.Study(List.of(StandardMethods.ZERO_SHOT), List.of(false), true));
        assertEquals("the study compares methods that train; ZERO_SHOT trains nothing", e.getMessage());
        assertThrows(ExperimentException.class, () -> new Sweep.Study(List.of(), List.of(false), true));
        e = assertThrows(ExperimentException.class, () -> new Sweep.Study(List.of(StandardMethods.IA3), List.of(false), true)
                .settings(m -> FineTuning.study(StandardMethods.LORA)));
        assertEquals("the recipe of IA3 gave a setting of LORA", e.getMessage());
    }

    @Test
    void theMethodTableShowsAccuracyGainAndParametersPerConnector() {
        List<Sweep.Cell> cells = List.of(
                new Sweep.Cell("zero-shot", "zero-shot", 0, 0, 20.0, "ZERO_SHOT", "ZERO_SHOT", "", false),
                new Sweep.Cell("lora-llm_all-r2", "LLM_ALL", 2, 8064, 100.0, "LORA", "LoRA", "r=2", false),
                new Sweep.Cell("lora-llm_all-r2-connector", "LLM_ALL", 2, 10416, 97.5, "LORA", "LoRA", "r=2", true),
                new Sweep.Cell("ia3", "LLM", 0, 1344, 55.0, "IA3", "IA3", "", false));
        String md = MethodTable.markdown(cells);
        assertTrue(md.startsWith("Zero-shot: 20.00%.\n\n| Method | connector frozen | connector tuned |\n|---|---:|---:|\n"), md);
        assertTrue(md.contains("| LoRA r=2 (LLM_ALL) | **100.00** (+80.00) | 97.50 (+77.50) |\n"), md);
        assertTrue(md.contains("| IA3 (LLM) | **55.00** (+35.00) | - |\n"), md);
        assertTrue(md.contains("| LoRA r=2 (LLM_ALL) | 8,064 | 10,416 |\n"), md);
        assertTrue(md.contains("| IA3 (LLM) | 1,344 | - |\n"), md);
        assertEquals("method,size,components,connector,trainable_parameters,accuracy,gain\n"
                + "LoRA,r=2,LLM_ALL,frozen,8064,100.0,80.0\n"
                + "LoRA,r=2,LLM_ALL,tuned,10416,97.5,77.5\n"
                + "IA3,,LLM,frozen,1344,55.0,35.0\n", MethodTable.csv(cells));
        String noBaseline = MethodTable.csv(cells.subList(1, 2));
        assertEquals("method,size,components,connector,trainable_parameters,accuracy,gain\nLoRA,r=2,LLM_ALL,frozen,8064,100.0,\n", noBaseline);
        ExperimentException e = assertThrows(ExperimentException.class, () -> MethodTable.markdown(List.of(cells.get(1), cells.get(1))));
        assertTrue(e.getMessage().startsWith("two cells for LoRA r=2 (LLM_ALL) with the connector frozen"), e.getMessage());
    }
}
