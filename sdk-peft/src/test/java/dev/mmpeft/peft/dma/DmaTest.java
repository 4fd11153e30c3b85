package dev.mmpeft.peft.dma;

import static dev.mmpeft.peft.testing.TinyBlips.logits;
import static dev.mmpeft.peft.testing.TinyBlips.maxDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.testing.TestResources;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.peft.AdaptersDisabled;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.ParameterReport;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.peft.TargetNotFoundException;
import dev.mmpeft.peft.testing.TinyBlips;
import dev.mmpeft.peft.testing.TinyBlips.Tiny;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PETAL's parts on InstructBLIP: DMA's parameter count on the real Flan-T5-XL config from its
 * formula, the untrained adapter equal to the base model, training, the adapter files, AIM and SIB
 * switched on and off, and the errors for targets DMA cannot adapt.
 */
class DmaTest {
    private static InstructBlip flanT5Xl() {
        return InstructBlip.fromConfig(Configs.read(TestResources.hfConfig("instructblip-flan-t5-xl"), InstructBlipConfig.class));
    }

    /**
     * instructblip-flan-t5-xl's Q-Former: hidden H = 768, L = 12 layers, image width D = 1408, cross-attention
     * on 6 layers. Text factors U [R, H], V [H, R], C [R, R, R]; image factors U [R, D], V [H, R], C; one lambda [R]
     * per projection (12 x 3 self-attention + 6 x 3 cross-attention = 54); Gamma scale and shift [L, H].
     */
    static long dmaFormula(long r) {
        long h = 768;
        long d = 1408;
        long text = r * h + h * r + r * r * r;
        long image = r * d + h * r + r * r * r;
        long lambdas = 54 * r;
        long gamma = 2 * 12 * h;
        return text + image + lambdas + gamma;
    }

    @Test
    void parameterCountOnTheRealFlanT5XlConfigIsTheFormula() {
        InstructBlip structure = flanT5Xl();
        for (int r : new int[] {8, 32, 64}) {
            ParameterReport report = Peft.dma().rank(r).report(structure);
            assertEquals(dmaFormula(r), report.trainable(), "R = " + r);
            assertEquals(36L * r, report.trainable("QFORMER_SELF_ATTN"));
            assertEquals(18L * r, report.trainable("QFORMER_CROSS_ATTN"));
            assertEquals(2L * 12 * 768, report.trainable("DMA_GAMMA"));
        }
        ParameterReport r64 = Peft.dma().report(structure);
        assertEquals(783_744L, r64.trainable());
        assertTrue(r64.trainable() > 700_000 && r64.trainable() < 1_200_000, "about the slides' 1 M");
        assertEquals(4_022_969_088L + 783_744L, r64.total());
        // AIM (3 experts: gate weight [768] + bias [3]) and SIB (its temperature) in the same report
        ParameterReport all = Peft.dma().aim(3).sib(0.1).report(structure);
        assertEquals(783_744L + 768 + 3 + 1, all.trainable());
        assertEquals(771, all.trainable("AIM_GATE"));
        assertEquals(1, all.trainable("SIB"));
        // DMA off (PETAL V4): the gate and SIB only
        assertEquals(772, Peft.dma().modeApproximation(false).aim(3).sib(0.1).report(structure).trainable());
        // self-attention only: no image factors
        long r = 64;
        assertEquals(2 * r * 768 + r * r * r + 36 * r + 2 * 12 * 768,
                Peft.dma().target(Component.QFORMER_SELF_ATTN).report(structure).trainable());
    }

    @Test
    void theUntrainedAdapterIsTheBaseModelAndTrainingChangesIt(@TempDir Path dir) throws Exception {
        Tiny tiny = TinyBlips.t5();
        float[] base = logits(tiny, tiny.model());
        try (PeftModel<InstructBlip> peft = Peft.dma().rank(4).seed(3).on(tiny.model(), tiny.processor(), "tiny")) {
            assertTrue(maxDiff(base, logits(tiny, peft.model())) <= 1e-6, "V = 0 and Gamma = 0: the base model");
            float before = TinyBlips.loss(peft);
            TinyBlips.train(peft, 8, 1e-2);
            float after = TinyBlips.loss(peft);
            assertTrue(after < before - 1e-3, "training lowers the loss: " + before + " -> " + after);
            float[] trained = logits(tiny, peft.model());
            assertTrue(maxDiff(base, trained) > 1e-4);
            try (AdaptersDisabled off = peft.disableAdapters()) {
                assertArrayEquals(base, logits(tiny, peft.model()), "disabled: the base model");
            }
            peft.save(dir);
            JsonNode config = Json.mapper().readTree(dir.resolve("adapter_config.json").toFile());
            assertEquals("MMPEFT_DMA", config.get("peft_type").asText());
            assertEquals(4, config.get("rank").asInt());
            assertTrue(config.get("mode_approximation").asBoolean());
            assertEquals(9, config.get("target_modules").size(), "2 layers x q, k, v + 1 cross-attention layer x q, k, v");
            try (Checkpoint ckpt = Checkpoint.open(dir.resolve("adapter_model.safetensors"))) {
                TreeSet<String> keys = new TreeSet<>(ckpt.names());
                assertTrue(keys.contains("base_model.model.qformer.encoder.dma_text.C"), keys.toString());
                assertTrue(keys.contains("base_model.model.qformer.encoder.dma_image.U"), keys.toString());
                assertTrue(keys.contains("base_model.model.qformer.encoder.dma_gamma.scale"), keys.toString());
                assertTrue(keys.contains("base_model.model.qformer.encoder.layer.0.attention.attention.key.dma_lambda"), keys.toString());
                assertEquals(6 + 2 + 9, keys.size(), "6 factors, 2 Gamma tensors, 9 mode vectors: " + keys);
            }
            try (PeftModel<InstructBlip> loaded = Peft.load(tiny.model(), tiny.processor(), dir)) {
                assertTrue(maxDiff(trained, logits(tiny, loaded.model())) <= 1e-6, "the saved adapter loads to the same model");
                assertEquals(peft.parameterReport().trainable(), loaded.parameterReport().trainable());
            }
        }
        assertArrayEquals(base, logits(tiny, tiny.model()), "the base model is untouched");
    }

    @Test
    void gammaInitialisedAsPetalsCodeMovesTheModelAtOnce() {
        Tiny tiny = TinyBlips.t5();
        float[] base = logits(tiny, tiny.model());
        try (PeftModel<InstructBlip> peft = Peft.dma().rank(4).gammaInitStd(0.0002).on(tiny.model(), tiny.processor(), "tiny")) {
            float d = maxDiff(base, logits(tiny, peft.model()));
            assertTrue(d > 1e-7 && d < 1e-2, "N(0, 0.0002) scale and shift: a small change, " + d);
        }
    }

    @Test
    void aimWithTheOwnInstructionAloneIsTheBaseModelAndWithThreeExpertsTrainsItsGate() {
        Tiny tiny = TinyBlips.t5();
        float[] base = logits(tiny, tiny.model());
        try (PeftModel<InstructBlip> own = Peft.dma().modeApproximation(false).aim(List.of(DmaConfig.OWN_INSTRUCTION))
                .on(tiny.model(), tiny.processor(), "tiny")) {
            assertTrue(maxDiff(base, logits(tiny, own.model())) <= 1e-6, "one expert with the example's own instruction");
        }
        try (PeftModel<InstructBlip> aim = Peft.dma().rank(4).aim(3).on(tiny.model(), tiny.processor(), "tiny")) {
            assertEquals(List.of(DmaConfig.OWN_INSTRUCTION, "What objects are in the picture?",
                    "What is the relationship between the objects in the picture?"),
                    aim.config("default", DmaConfig.class).aimInstructions());
            float[] mixed = logits(tiny, aim.model());
            assertTrue(maxDiff(base, mixed) > 1e-4, "three instructions merged: other query features");
            Map<String, NDArray> before = copy(aim.adapterTensors("default"));
            TinyBlips.train(aim, 4, 1e-2);
            NDArray gate = aim.adapterTensors("default").get("base_model.model.aim_gate.weight");
            assertTrue(maxDiff(before.get("base_model.model.aim_gate.weight").toFloatArray(), gate.toFloatArray()) > 0,
                    "the gate trains");
            before.values().forEach(NDArray::close);
        }
    }

    @Test
    void sibIsAddedToTheLossAndReportedBesideIt() {
        Tiny tiny = TinyBlips.t5();
        try (PeftModel<InstructBlip> plain = Peft.dma().rank(4).seed(1).on(tiny.model(), tiny.processor(), "tiny");
                PeftModel<InstructBlip> sib = Peft.dma().rank(4).seed(1).sib(0.1).sibWeight(0.5)
                        .on(tiny.model(), tiny.processor(), "tiny")) {
            float lm = TinyBlips.loss(plain);
            assertTrue(plain.lossTerms().isEmpty());
            float total = TinyBlips.loss(sib);
            double term = sib.lossTerms().get("sib");
            assertEquals(lm + 0.5 * term, total, 1e-5, "loss = lm + weight * sib");
            // three examples: each mutual-information estimate lies in [log 3 - 2 s, log 3] for scale s <= 100
            assertTrue(Double.isFinite(term) && term != 0, "sib " + term);
            var result = TinyBlips.train(sib, 3, 1e-2);
            assertEquals(3, result.steps());
            assertTrue(sib.lossTerms().containsKey("sib"));
        }
    }

    @Test
    void targetsDmaCannotAdaptAreRefusedByName() {
        InstructBlip structure = flanT5Xl();
        PeftException ffn = assertThrows(PeftException.class, () -> Peft.dma().target(Component.LLM_ATTN).report(structure));
        assertTrue(ffn.getMessage().contains("LLM_ATTN") && ffn.getMessage().contains("Q-Former's attention"), ffn.getMessage());
        PeftException dense = assertThrows(PeftException.class,
                () -> Peft.dma().target("qformer.encoder.layer.0.attention.output.dense").report(structure));
        assertTrue(dense.getMessage().contains("attention.output.dense"), dense.getMessage());
        assertThrows(TargetNotFoundException.class, () -> Peft.dma().target("querry").report(structure));
        PeftException experts = assertThrows(PeftException.class, () -> Peft.dma().aim(4).build());
        assertTrue(experts.getMessage().contains("aim_experts is 4") && experts.getMessage().contains("only 3"), experts.getMessage());
        PeftException rank = assertThrows(PeftException.class, () -> Peft.dma().rank(0).build());
        assertEquals("DmaConfig.rank must be > 0, got 0", rank.getMessage());
        PeftException placeholder = assertThrows(PeftException.class,
                () -> Peft.dma().aim(List.of("Describe {question}")).report(structure));
        assertTrue(placeholder.getMessage().contains("Describe {question}"), placeholder.getMessage());
    }

    @Test
    void aimNeedsTheProcessorToTokenizeItsInstructions() {
        Tiny tiny = TinyBlips.t5();
        PeftException e = assertThrows(PeftException.class, () -> Peft.dma().aim(3).on(Adaptables.instructBlip(tiny.model())));
        assertTrue(e.getMessage().contains("processor"), e.getMessage());
    }

    @Test
    void aBadAdapterConfigNamesTheFileAndKey(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("adapter_config.json"),
                "{\"peft_type\": \"MMPEFT_DMA\", \"rank\": -2, \"target_modules\": [\"query\"]}");
        PeftException e = assertThrows(PeftException.class, () -> Peft.readConfig(dir));
        assertTrue(e.getMessage().contains("adapter_config.json") && e.getMessage().contains("rank must be > 0, got -2"), e.getMessage());
        Files.writeString(dir.resolve("adapter_config.json"),
                "{\"peft_type\": \"MMPEFT_DMA\", \"sib\": \"yes\", \"target_modules\": [\"query\"]}");
        PeftException bool = assertThrows(PeftException.class, () -> Peft.readConfig(dir));
        assertTrue(bool.getMessage().contains("sib"), bool.getMessage());
    }

    @Test
    void instructionSetsAreReadFromFiles(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("experts.txt");
        Files.writeString(file, "# mine\n{instruction}\n\nWhat colour is it?\n");
        assertEquals(List.of("{instruction}", "What colour is it?"), DmaConfig.readInstructions(file));
        Files.writeString(file, "# nothing\n\n");
        PeftException e = assertThrows(PeftException.class, () -> DmaConfig.readInstructions(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertEquals(3, DmaConfig.defaultInstructions().size());
        assertFalse(DmaConfig.defaultInstructions().get(1).isBlank());
    }

    private static Map<String, NDArray> copy(Map<String, NDArray> tensors) {
        NDManager m = NDManager.newBaseManager();
        Map<String, NDArray> out = new java.util.LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            NDArray c = v.duplicate();
            c.attach(m);
            out.put(k, c);
        });
        return out;
    }
}
