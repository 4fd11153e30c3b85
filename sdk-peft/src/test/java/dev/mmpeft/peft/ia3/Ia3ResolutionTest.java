package dev.mmpeft.peft.ia3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.testing.TinyInstructBlip;
import dev.mmpeft.peft.AdaptableModel;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.PeftConfig;
import dev.mmpeft.peft.format.AdapterFormats;
import dev.mmpeft.peft.internal.AdapterPlan;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What an IA3 configuration is saved as: PEFT must select the same modules, with the same
 * feed-forward decisions, from the saved {@code adapter_config.json} alone (it knows no components
 * and no family table for InstructBLIP), and the file must obey PEFT's subset rule.
 */
class Ia3ResolutionTest {
    private static final AdaptableModel<InstructBlip> T5 = Adaptables.instructBlip(InstructBlip.fromConfig(TinyInstructBlip.config(true, false)));

    /** The saved config, read back from its JSON as a file would be. */
    private static Ia3Config saved(Ia3Config config) {
        PeftConfig resolved = AdapterPlan.of(config, T5, true).resolvedConfig();
        String json = Json.write(AdapterFormats.writeConfig(resolved));
        return (Ia3Config) AdapterFormats.readConfig(Json.parse(json, "saved"), "saved");
    }

    /** Planning the saved config (as a loaded file: entries may match nothing) gives the same tensors, so the same feed-forward decisions. */
    private static Map<String, Shape> tensors(PeftConfig config, boolean strict) {
        return AdapterPlan.of(config, T5, strict).expectedTensors();
    }

    private static void assertSamePlanFromTheFile(Ia3Config config) {
        Ia3Config file = saved(config);
        assertEquals(tensors(config, true), tensors(file, false), "the saved config plans the same vectors");
        if (!file.targetModules().isEmpty() && file.feedforwardModules().isPresent()) {
            assertTrue(file.targetModules().containsAll(file.feedforwardModules().get()), "PEFT's subset rule holds: " + file);
        }
    }

    @Test
    void namesWithoutFeedforwardKeepTheEntriesAndAddTheFeedforwardOnes() {
        Ia3Config config = Ia3Config.builder().addTargetModules("k", "v", "wo").build();
        Ia3Config file = saved(config);
        assertEquals(List.of("k", "v", "wo"), file.targetModules());
        assertEquals(Optional.of(List.of("wo")), file.feedforwardModules(), "the T5 table's feed-forward entry, as PEFT would fill it");
        assertSamePlanFromTheFile(config);
    }

    @Test
    void componentsBecomeExactNamesWithExactFeedforwardNames() {
        Ia3Config config = Ia3Config.builder().addTargetComponents(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN).build();
        Ia3Config file = saved(config);
        // tiny Q-Former: 2 layers, cross-attention on layer 0 (key, value, output.dense); T5: wo in 2 + 2 blocks
        assertEquals(3 + 4, file.targetModules().size(), file.targetModules().toString());
        assertTrue(file.targetModules().contains("qformer.encoder.layer.0.crossattention.output.dense"));
        assertEquals(1 + 4, file.feedforwardModules().orElseThrow().size(), "output.dense and wo are feed-forward");
        assertSamePlanFromTheFile(config);
        // a component beside explicit feed-forward entries: the entries become exact names too (else PEFT's subset rule fails)
        assertSamePlanFromTheFile(Ia3Config.builder().addTargetComponents(Component.LLM_ALL).feedforward("wo").build());
    }

    @Test
    void aPatternWithoutFeedforwardGetsExactFeedforwardNames() {
        Ia3Config config = Ia3Config.builder().targetRegex(".*(SelfAttention|DenseReluDense)\\.(k|wo)").build();
        Ia3Config file = saved(config);
        assertEquals(Optional.of(".*(SelfAttention|DenseReluDense)\\.(k|wo)"), file.targetRegex());
        assertEquals(4, file.feedforwardModules().orElseThrow().size(), "the four wo, by name");
        assertSamePlanFromTheFile(config);
    }

    @Test
    void entriesThatMixRolesFallBackToExactNames() {
        // "dense" matches feed-forward output.dense and non-feed-forward intermediate.dense alike: no entry subset says it
        Ia3Config config = Ia3Config.builder().addTargetModules("dense").build();
        Ia3Config file = saved(config);
        assertTrue(file.targetModules().size() > 1 && file.targetModules().stream().allMatch(m -> m.startsWith("qformer.")), file.toString());
        assertSamePlanFromTheFile(config);
        assertSamePlanFromTheFile(Ia3Config.builder().build());
        assertSamePlanFromTheFile(Ia3Config.builder().addTargetModules("key", "value").feedforwardModules(List.of()).build());
    }
}
