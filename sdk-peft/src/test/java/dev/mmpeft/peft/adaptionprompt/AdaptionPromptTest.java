package dev.mmpeft.peft.adaptionprompt;

import static dev.mmpeft.peft.testing.TinyBlips.logits;
import static dev.mmpeft.peft.testing.TinyBlips.maxDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.models.instructblip.InstructBlip;
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
 * Adaption prompts (LLaMA-Adapter) on the tiny InstructBLIP-LLaMA: the top layers, identity with
 * the zero gate, training with the SDK's trainer (with the connector trained in full, the study's
 * "with connector" setting), PEFT's file layout round trip, the refused merge, T5 refused, bad
 * input. The arithmetic is checked against an independent reference in {@code BlocksReferenceTest}.
 */
class AdaptionPromptTest {
    @TempDir Path tmp;

    @Test
    void zeroGateIsTheIdentityOnTheTopLayers() {
        Tiny llama = TinyBlips.llama();
        float[] base = logits(llama, llama.model());
        try (PeftModel<InstructBlip> peft = Peft.adaptionPrompt().promptLength(3).topLayers(1).on(llama.model())) {
            assertEquals(List.of("language_model.model.layers.1.self_attn"), peft.targetedModules("default"));
            // prompt [1, 3, 16] and gate [1] per layer
            assertEquals(3 * 16 + 1, peft.parameterReport().trainable());
            assertTrue(maxDiff(base, logits(llama, peft.model())) <= 1e-6, "zero gate");
            // a non-zero gate makes the prompt count
            peft.adapterTensors("default").get("base_model.model.language_model.model.layers.1.self_attn.adaption_gate").addi(0.5f);
            assertTrue(maxDiff(base, logits(llama, peft.model())) > 1e-3, "gate 0.5");
        }
        try (PeftModel<InstructBlip> peft = Peft.adaptionPrompt().promptLength(2).topLayers(2).on(llama.model())) {
            assertEquals(List.of("language_model.model.layers.0.self_attn", "language_model.model.layers.1.self_attn"),
                    peft.targetedModules("default"));
        }
    }

    @Test
    void trainsWithTheConnectorSavesPeftsLayoutAndRefusesToMerge() throws IOException {
        Tiny llama = TinyBlips.llama();
        Path dir = tmp.resolve("adaption");
        float[] trained;
        Map<String, float[]> tensors = new LinkedHashMap<>();
        try (PeftModel<InstructBlip> peft = Peft.adaptionPrompt().promptLength(4).topLayers(2).train(Component.LANGUAGE_PROJECTION)
                .on(llama.model(), llama.processor(), llama.dir().toString())) {
            float before = TinyBlips.loss(peft);
            TinyBlips.train(peft, 8, 1e-2);
            assertTrue(TinyBlips.loss(peft) < before - 0.05, "loss goes down from " + before);
            float gate = peft.adapterTensors("default").get("base_model.model.language_model.model.layers.1.self_attn.adaption_gate").getFloat(0);
            assertTrue(gate != 0f, "the gate opened: " + gate);
            PeftException e = assertThrows(PeftException.class, peft::merge);
            assertTrue(e.getMessage().contains("cannot merge"), e.getMessage());
            trained = logits(llama, peft.model());
            peft.adapterTensors("default").forEach((k, v) -> tensors.put(k, v.toFloatArray()));
            peft.save(dir);
        }
        JsonNode config = Json.read(dir.resolve(AdapterFiles.CONFIG));
        assertEquals("ADAPTION_PROMPT", config.get("peft_type").textValue());
        assertEquals(4, config.get("adapter_len").intValue());
        assertEquals(2, config.get("adapter_layers").intValue());
        assertEquals("self_attn", config.get("target_modules").textValue());
        assertEquals(List.of("language_projection"), List.of(config.get("modules_to_save").get(0).textValue()));
        assertTrue(tensors.containsKey("base_model.model.language_model.model.layers.0.self_attn.adaption_prompt"));
        assertTrue(tensors.containsKey("base_model.model.language_projection.weight"));
        try (InstructBlip fresh = InstructBlip.load(llama.dir()); PeftModel<InstructBlip> loaded = Peft.load(fresh, dir)) {
            Map<String, NDArray> got = loaded.adapterTensors("default");
            assertEquals(tensors.keySet(), got.keySet());
            tensors.forEach((k, v) -> assertArrayEquals(v, got.get(k).toFloatArray(), k));
            assertArrayEquals(trained, logits(llama, loaded.model()));
        }
    }

    @Test
    void t5AndBadValuesAreRefused() throws IOException {
        PeftException t5 = assertThrows(PeftException.class,
                () -> Peft.adaptionPrompt().promptLength(4).topLayers(1).on(TinyBlips.t5().model()));
        assertTrue(t5.getMessage().contains("LLaMA-family language models only") && t5.getMessage().contains("T5Model"), t5.getMessage());
        assertMessage(() -> Peft.adaptionPrompt().topLayers(1).build(), "adapter_len must be > 0 (set promptLength(n)), got 0");
        assertMessage(() -> Peft.adaptionPrompt().promptLength(-1).topLayers(1).build(), "adapter_len must be > 0 (set promptLength(n)), got -1");
        assertMessage(() -> Peft.adaptionPrompt().promptLength(2).build(), "adapter_layers must be > 0 (set topLayers(n)), got 0");
        // InstructBLIP-LLaMA has 2 vision and 2 language 'self_attn' modules: the top 3 reach into the vision encoder
        assertMessage(() -> Peft.adaptionPrompt().promptLength(2).topLayers(3).on(TinyBlips.llama().model()),
                "'vision_model.encoder.layers.1.self_attn' is a VisionAttention");
        assertMessage(() -> Peft.adaptionPrompt().promptLength(2).topLayers(9).on(TinyBlips.llama().model()),
                "adapter_layers is 9 but the model has only 4 'self_attn' modules");
        Path dir = tmp.resolve("bad");
        try (PeftModel<InstructBlip> peft = Peft.adaptionPrompt().promptLength(2).topLayers(1).on(TinyBlips.llama().model())) {
            peft.save(dir);
        }
        String json = Files.readString(dir.resolve(AdapterFiles.CONFIG));
        Files.writeString(dir.resolve(AdapterFiles.CONFIG), json.replace("\"adapter_len\" : 2", "\"adapter_len\" : 2, \"bottleneck_size\" : 8"));
        assertMessage(() -> Peft.readConfig(dir), "bottleneck_size = 8 is an option of MMPEFT_BOTTLENECK_ADAPTER adapters, not of ADAPTION_PROMPT");
        Files.writeString(dir.resolve(AdapterFiles.CONFIG), json.replace("\"adapter_len\" : 2", "\"adapter_len\" : 3"));
        PeftException shape = assertThrows(PeftException.class, () -> Peft.load(TinyBlips.llama().model(), dir));
        assertTrue(shape.getMessage().contains("adaption_prompt") && shape.getMessage().contains("(1, 3, 16)"), shape.getMessage());
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String expected) {
        PeftException e = assertThrows(PeftException.class, call);
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage());
    }
}
