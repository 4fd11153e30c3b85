package dev.mmpeft.peft.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftConfig;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.format.AdapterFormats;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LoraConfigTest {
    /** An adapter_config.json read by the format registry, as loading a directory does. */
    private static LoraConfig read(JsonNode json, String source) {
        PeftConfig c = AdapterFormats.readConfig(json, source);
        return (LoraConfig) c;
    }

    private static LoraConfig read(String json, String source) {
        return read(Json.parse(json, source), source);
    }

    private static JsonNode write(LoraConfig c) {
        return AdapterFormats.writeConfig(c);
    }
    @Test
    void defaultsArePefts() {
        LoraConfig c = Peft.lora().target("q").build();
        assertEquals(8, c.r());
        assertEquals(8.0, c.loraAlpha());
        assertEquals(0.0, c.loraDropout());
        assertFalse(c.useRslora());
        assertEquals(InitLoraWeights.DEFAULT, c.initLoraWeights());
        assertEquals(LoraBias.NONE, c.bias());
        assertEquals(1.0, c.scaling(8, 8));
        assertEquals(8 / Math.sqrt(4), Peft.lora().useRslora(true).target("q").build().scaling(4, 8));
        assertTrue(c.trainComponents().isEmpty(), "extras are opt-in");
    }

    @Test
    void badValuesNameTheFieldAndValue() {
        assertEquals("LoraConfig.r must be > 0, got 0", assertThrows(PeftException.class, () -> Peft.lora().rank(0).build()).getMessage());
        assertEquals("LoraConfig.lora_dropout must be in [0, 1), got 1.5",
                assertThrows(PeftException.class, () -> Peft.lora().dropout(1.5).build()).getMessage());
        assertTrue(assertThrows(PeftException.class, () -> Peft.lora().targetRegex("(").build()).getMessage()
                .startsWith("LoraConfig.target_modules: invalid regular expression '('"));
        assertTrue(assertThrows(PeftException.class, () -> Peft.lora().targetRegex(".*q").layers(1).build()).getMessage()
                .contains("layers_to_transform/layers_pattern cannot be used when target_modules is a regular expression"));
        assertTrue(assertThrows(PeftException.class, () -> Peft.lora().target("q").targetRegex(".*").build()).getMessage()
                .contains("either a list of names or one regular expression"));
        assertEquals("LoraConfig.rank_pattern['q'] must be > 0, got -1",
                assertThrows(PeftException.class, () -> Peft.lora().rankPattern("q", -1).build()).getMessage());
        assertEquals("LoraConfig.layers_to_transform must hold layer indices >= 0, got -2",
                assertThrows(PeftException.class, () -> Peft.lora().layers(-2).build()).getMessage());
        assertTrue(assertThrows(PeftException.class, () -> Peft.full().build()).getMessage().contains("FullConfig: no target"));
        assertEquals("init_lora_weights: unknown value 'pissa'; expected true, gaussian or false",
                assertThrows(PeftException.class, () -> InitLoraWeights.parse("pissa")).getMessage());
        assertTrue(assertThrows(PeftException.class, () -> LoraBias.parse("some")).getMessage().contains("expected none, all or lora_only"));
    }

    @Test
    void adapterJsonRoundTrip() {
        LoraConfig c = LoraConfig.builder().r(4).loraAlpha(12.5).loraDropout(0.1).useRslora(true)
                .initLoraWeights(InitLoraWeights.GAUSSIAN).bias(LoraBias.ALL).addTargetModules("q", "v")
                .addExcludeModules("decoder.block.0.layer.0.SelfAttention.q").addLayersToTransform(0, 1)
                .addLayersPattern("block").putRankPattern("v", 2).putAlphaPattern("q", 3).addModulesToSave("language_projection")
                .baseModelNameOrPath("Salesforce/instructblip-flan-t5-xl").taskType("SEQ_2_SEQ_LM").build();
        LoraConfig back = read(write(c), "test");
        assertEquals(ImmutableLoraConfig.copyOf(c).withInferenceMode(false), ImmutableLoraConfig.copyOf(back).withInferenceMode(false));
        assertTrue(back.inferenceMode(), "save_pretrained writes inference_mode true");
        assertEquals(12.5, write(c).get("lora_alpha").doubleValue());
        assertEquals("gaussian", write(c).get("init_lora_weights").textValue());
        assertEquals("block", write(c).get("layers_pattern").textValue());
        LoraConfig regex = read(write(LoraConfig.builder().targetRegex(".*\\.(q|v)").build()), "t");
        assertEquals(Optional.of(".*\\.(q|v)"), regex.targetRegex());
        assertThrows(IllegalStateException.class, () -> write(Peft.lora().target(Component.LLM_ATTN).build()),
                "components must be resolved by a model before writing");
    }

    @Test
    void readsAConfigAsPeftWritesIt() {
        // adapter_config.json as written by PEFT 0.15 (save_pretrained) for a T5 LoRA
        String json = "{\n"
                + "  \"alpha_pattern\": {},\n  \"auto_mapping\": null,\n"
                + "  \"base_model_name_or_path\": \"Salesforce/instructblip-flan-t5-xl\",\n  \"bias\": \"none\",\n"
                + "  \"corda_config\": null,\n  \"eva_config\": null,\n  \"exclude_modules\": null,\n  \"fan_in_fan_out\": false,\n"
                + "  \"inference_mode\": true,\n  \"init_lora_weights\": true,\n  \"layer_replication\": null,\n"
                + "  \"layers_pattern\": null,\n  \"layers_to_transform\": null,\n  \"loftq_config\": {},\n  \"lora_alpha\": 16,\n"
                + "  \"lora_bias\": false,\n  \"lora_dropout\": 0.05,\n  \"megatron_config\": null,\n  \"megatron_core\": \"megatron.core\",\n"
                + "  \"modules_to_save\": null,\n  \"peft_type\": \"LORA\",\n  \"r\": 2,\n  \"rank_pattern\": {},\n  \"revision\": null,\n"
                + "  \"target_modules\": [\n    \"v\",\n    \"q\"\n  ],\n  \"task_type\": \"SEQ_2_SEQ_LM\",\n"
                + "  \"trainable_token_indices\": null,\n  \"use_dora\": false,\n  \"use_rslora\": false\n}\n";
        LoraConfig c = read(json, "adapter_config.json");
        assertEquals(2, c.r());
        assertEquals(16.0, c.loraAlpha());
        assertEquals(0.05, c.loraDropout());
        assertEquals(List.of("q", "v"), c.targetModules());
        assertEquals(Optional.of("SEQ_2_SEQ_LM"), c.taskType());
        assertEquals(Map.of(), c.rankPattern());
        assertTrue(assertThrows(PeftException.class, () -> read("{\"peft_type\": \"BOFT\", \"target_modules\": [\"q\"]}", "f.json"))
                .getMessage().startsWith("f.json: peft_type is 'BOFT'; this SDK reads LORA"));
        assertEquals("f.json: r must be an integer, got \"2\"",
                assertThrows(PeftException.class, () -> read("{\"r\": \"2\", \"target_modules\": [\"q\"]}", "f.json")).getMessage());
        assertEquals("f.json: LoraConfig.r must be > 0, got 0",
                assertThrows(PeftException.class, () -> read("{\"r\": 0, \"target_modules\": [\"q\"]}", "f.json")).getMessage());
        assertTrue(assertThrows(PeftException.class, () -> read("{\"r\": 1}", "f.json")).getMessage()
                .contains("target_modules is missing"));
    }
}
