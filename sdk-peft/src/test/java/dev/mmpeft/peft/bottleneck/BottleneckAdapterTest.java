package dev.mmpeft.peft.bottleneck;

import static dev.mmpeft.peft.testing.TinyBlips.logits;
import static dev.mmpeft.peft.testing.TinyBlips.maxDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.peft.AdapterMismatchException;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.peft.format.AdapterFiles;
import dev.mmpeft.peft.testing.TinyBlips;
import dev.mmpeft.peft.testing.TinyBlips.Tiny;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bottleneck adapters on the tiny InstructBLIP-FlanT5 and -LLaMA: identity at initialisation (zero
 * up-projection), the sub-layers each placement picks, training with the SDK's trainer, an exact
 * save/load round trip, the refused merge, and bad input.
 */
class BottleneckAdapterTest {
    @TempDir Path tmp;

    @Test
    void zeroUpProjectionIsTheIdentityOnBothBackbonesAndPlacements() {
        for (Tiny tiny : List.of(TinyBlips.t5(), TinyBlips.llama())) {
            float[] base = logits(tiny, tiny.model());
            for (AdapterPlacement placement : AdapterPlacement.values()) {
                try (PeftModel<InstructBlip> peft = Peft.adapter().bottleneck(4).placement(placement)
                        .target(Component.LLM_ALL, Component.QFORMER_ALL).on(tiny.model())) {
                    float[] adapted = logits(tiny, peft.model());
                    assertTrue(maxDiff(base, adapted) <= 1e-6, placement + ": " + maxDiff(base, adapted));
                }
                // the same adapters with AdapterHub's bert init (non-zero up-projection) do change the logits
                try (PeftModel<InstructBlip> peft = Peft.adapter().bottleneck(4).placement(placement).init(BottleneckInit.BERT)
                        .scaling(50).target(Component.LLM_ALL, Component.QFORMER_ALL).on(tiny.model())) {
                    assertTrue(maxDiff(base, logits(tiny, peft.model())) > 1e-4, placement + " with bert init");
                }
            }
        }
    }

    @Test
    void placementsPickTheSubLayersAdapterHubPicks() {
        Tiny t5 = TinyBlips.t5();
        try (PeftModel<InstructBlip> peft = Peft.adapter().bottleneck(3).houlsby().on(t5.model())) {
            // default target: the language model; Houlsby: self-attention and feed-forward, not cross-attention
            assertEquals(List.of(
                    "language_model.encoder.block.0.layer.0", "language_model.encoder.block.0.layer.1",
                    "language_model.encoder.block.1.layer.0", "language_model.encoder.block.1.layer.1",
                    "language_model.decoder.block.0.layer.0", "language_model.decoder.block.0.layer.2",
                    "language_model.decoder.block.1.layer.0", "language_model.decoder.block.1.layer.2"),
                    peft.targetedModules("default"));
            // d_model 16, s 3: down [3,16] + 3, up [16,3] + 16 per sub-layer
            assertEquals(8L * (2 * 16 * 3 + 3 + 16), peft.parameterReport().trainable());
            assertEquals(4L * (2 * 16 * 3 + 3 + 16), peft.parameterReport().trainable("LLM_ATTN"));
        }
        try (PeftModel<InstructBlip> peft = Peft.adapter().reductionFactor(4).on(t5.model())) {
            assertEquals(List.of("language_model.encoder.block.0.layer.1", "language_model.encoder.block.1.layer.1",
                    "language_model.decoder.block.0.layer.2", "language_model.decoder.block.1.layer.2"), peft.targetedModules("default"));
            assertTrue(peft.adapterTensors("default").containsKey("base_model.model.language_model.decoder.block.1.layer.2.adapter_up.weight"));
            assertEquals(List.of(4L, 16L), List.of(peft.adapterTensors("default")
                    .get("base_model.model.language_model.decoder.block.1.layer.2.adapter_down.weight").getShape().getShape()[0],
                    peft.adapterTensors("default").get("base_model.model.language_model.decoder.block.1.layer.2.adapter_down.weight")
                            .getShape().getShape()[1]));
        }
        try (PeftModel<InstructBlip> peft = Peft.adapter().bottleneck(2).houlsby().target(Component.QFORMER_ALL).on(TinyBlips.llama().model())) {
            // Q-Former: self-attention output and both feed-forward outputs in 2 layers, cross-attention output in layer 0
            assertEquals(List.of(
                    "qformer.encoder.layer.0.attention.output", "qformer.encoder.layer.0.crossattention.output",
                    "qformer.encoder.layer.0.output", "qformer.encoder.layer.0.output_query",
                    "qformer.encoder.layer.1.attention.output", "qformer.encoder.layer.1.output", "qformer.encoder.layer.1.output_query"),
                    peft.targetedModules("default"));
        }
        try (PeftModel<InstructBlip> peft = Peft.adapter().bottleneck(2).houlsby().target(Component.LLM_ALL).layers(1).on(TinyBlips.llama().model())) {
            assertEquals(List.of("language_model.model.layers.1.self_attn", "language_model.model.layers.1.mlp"), peft.targetedModules("default"));
        }
    }

    @Test
    void trainsWithTheTrainerSavesAndLoadsExactlyAndRefusesToMerge() throws IOException {
        Tiny llama = TinyBlips.llama();
        Path dir = tmp.resolve("adapter");
        float[] trained;
        Map<String, float[]> tensors = new LinkedHashMap<>();
        try (PeftModel<InstructBlip> peft = Peft.adapter().bottleneck(4).houlsby().target(Component.LLM_ALL)
                .on(llama.model(), llama.processor(), llama.dir().toString())) {
            float before = TinyBlips.loss(peft);
            TinyBlips.train(peft, 8, 1e-2);
            float after = TinyBlips.loss(peft);
            assertTrue(after < before - 0.05, "loss goes down: " + before + " -> " + after);
            PeftException e = assertThrows(PeftException.class, peft::merge);
            assertTrue(e.getMessage().contains("cannot merge"), e.getMessage());
            assertFalse(peft.isMerged());
            trained = logits(llama, peft.model());
            peft.adapterTensors("default").forEach((k, v) -> tensors.put(k, v.toFloatArray()));
            peft.save(dir);
        }
        JsonNode config = Json.read(dir.resolve(AdapterFiles.CONFIG));
        assertEquals(BottleneckConfig.PEFT_TYPE, config.get("peft_type").textValue());
        assertEquals("houlsby", config.get("placement").textValue());
        assertEquals("swish", config.get("non_linearity").textValue());
        assertEquals(4, config.get("bottleneck_size").intValue());
        assertTrue(config.get("reduction_factor").isNull());
        PeftException refused = assertThrows(PeftException.class, () -> AdapterFiles.readPeftConfig(dir));
        assertTrue(refused.getMessage().contains("MMPEFT_BOTTLENECK_ADAPTER") && refused.getMessage().contains("adapter_config.json"),
                refused.getMessage());
        try (InstructBlip fresh = InstructBlip.load(llama.dir()); PeftModel<InstructBlip> loaded = Peft.load(fresh, dir)) {
            Map<String, NDArray> got = loaded.adapterTensors("default");
            assertEquals(tensors.keySet(), got.keySet());
            tensors.forEach((k, v) -> assertArrayEquals(v, got.get(k).toFloatArray(), k));
            assertArrayEquals(trained, logits(llama, loaded.model()), "same logits after the round trip");
            assertTrue(loaded.loadReport("default").orElseThrow().isExact());
        }
    }

    @Test
    void t5AdapterTrainsToo() {
        Tiny t5 = TinyBlips.t5();
        try (PeftModel<InstructBlip> peft = Peft.adapter().reductionFactor(2).target(Component.LLM_FFN, Component.QFORMER_FFN)
                .on(t5.model(), t5.processor(), t5.dir().toString())) {
            float before = TinyBlips.loss(peft);
            TinyBlips.train(peft, 8, 1e-2);
            assertTrue(TinyBlips.loss(peft) < before - 0.05, "loss goes down from " + before);
        }
    }

    @Test
    void badInputIsRefusedNamingTheOptionAndValue() throws IOException {
        InstructBlip t5 = TinyBlips.t5().model();
        assertMessage(() -> Peft.adapter().build(), "exactly one of bottleneck_size and reduction_factor, got neither");
        assertMessage(() -> Peft.adapter().bottleneck(8).reductionFactor(16).build(), "got both (8 and 16)");
        assertMessage(() -> Peft.adapter().bottleneck(0).build(), "bottleneck_size must be > 0, got 0");
        assertMessage(() -> Peft.adapter().bottleneck(-3).build(), "bottleneck_size must be > 0, got -3");
        assertMessage(() -> Peft.adapter().reductionFactor(-2).build(), "reduction_factor must be a finite number > 0, got -2.0");
        assertMessage(() -> Peft.adapter().bottleneck(4).nonLinearity("swishy").build(), "non_linearity 'swishy' is not supported");
        assertMessage(() -> Peft.adapter().bottleneck(4).dropout(1.5).build(), "adapter_dropout must be in [0, 1), got 1.5");
        assertMessage(() -> Peft.adapter().bottleneck(4).target(Component.LLM_ATTN).on(t5),
                "the pfeiffer placement puts adapters after [FEED_FORWARD] sub-layers only");
        assertMessage(() -> Peft.adapter().bottleneck(4).houlsby().target(Component.VISION_ATTN).on(t5),
                "component VISION_ATTN has no attention or feed-forward sub-layer");
        assertMessage(() -> Peft.adapter().bottleneck(4).target("DenseReluDense").on(t5),
                "is a T5DenseReluDense; bottleneck adapters attach to attention and feed-forward sub-layers");
        // a saved adapter whose tensor does not fit the model
        Path dir = tmp.resolve("bad");
        try (PeftModel<InstructBlip> peft = Peft.adapter().bottleneck(4).on(t5)) {
            peft.save(dir);
            Map<String, NDArray> wrong = new LinkedHashMap<>(peft.adapterTensors("default"));
            String key = "base_model.model.language_model.encoder.block.0.layer.1.adapter_down.weight";
            try (var m = ai.djl.ndarray.NDManager.newBaseManager()) {
                wrong.put(key, m.zeros(new ai.djl.ndarray.types.Shape(5, 16)));
                SafetensorsWriter.write(dir.resolve(AdapterFiles.WEIGHTS), wrong, Map.of("format", "pt"));
            }
        }
        AdapterMismatchException mismatch = assertThrows(AdapterMismatchException.class, () -> Peft.load(t5, dir));
        assertTrue(mismatch.getMessage().contains("adapter_down.weight") && mismatch.getMessage().contains("(4, 16)"), mismatch.getMessage());
        // a file of this type with a bad value, and an unknown peft_type
        String json = Files.readString(dir.resolve(AdapterFiles.CONFIG));
        Files.writeString(dir.resolve(AdapterFiles.CONFIG), json.replace("\"bottleneck_size\" : 4", "\"bottleneck_size\" : 0"));
        assertMessage(() -> Peft.readConfig(dir), "adapter_config.json: BottleneckConfig.bottleneck_size must be > 0, got 0");
        Files.writeString(dir.resolve(AdapterFiles.CONFIG), json.replace(BottleneckConfig.PEFT_TYPE, "BOTTLENECK"));
        assertMessage(() -> Peft.readConfig(dir), "peft_type is 'BOTTLENECK'; this SDK reads");
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String expected) {
        PeftException e = assertThrows(PeftException.class, call);
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage());
    }
}
