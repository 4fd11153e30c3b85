package dev.mmpeft.peft.ia3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.format.AdapterFormats;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link Ia3Config}: validation, and its {@code adapter_config.json} exactly as PEFT's {@code IA3Config} writes and reads it. */
class Ia3ConfigTest {
    /** The keys of PEFT 0.15's {@code IA3Config.to_dict()}, sorted as {@code json.dumps(sort_keys=True)} writes them. */
    static final List<String> PEFT_KEYS = List.of("auto_mapping", "base_model_name_or_path", "exclude_modules", "fan_in_fan_out",
            "feedforward_modules", "inference_mode", "init_ia3_weights", "modules_to_save", "peft_type", "revision",
            "target_modules", "task_type");

    private static Ia3Config read(String json, String source) {
        return (Ia3Config) AdapterFormats.readConfig(Json.parse(json, source), source);
    }

    @Test
    void writesEveryKeyPeftWritesSortedAndTyped() {
        Ia3Config c = Ia3Config.builder().addTargetModules("k", "v", "wo").feedforward("wo").addModulesToSave("lm_head")
                .baseModelNameOrPath("google/flan-t5-small").taskType("SEQ_2_SEQ_LM").build();
        JsonNode json = Ia3Format.write(c);
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(PEFT_KEYS, keys);
        assertEquals("IA3", json.get("peft_type").textValue());
        assertEquals("[\"k\",\"v\",\"wo\"]", json.get("target_modules").toString());
        assertEquals("[\"wo\"]", json.get("feedforward_modules").toString());
        assertTrue(json.get("init_ia3_weights").isBoolean() && json.get("init_ia3_weights").booleanValue());
        assertTrue(json.get("fan_in_fan_out").isBoolean() && !json.get("fan_in_fan_out").booleanValue());
        assertTrue(json.get("inference_mode").booleanValue(), "save_pretrained writes inference_mode true");
        assertTrue(json.get("exclude_modules").isNull() && json.get("revision").isNull() && json.get("auto_mapping").isNull());
        // without feed-forward modules PEFT writes null, and a regular expression as a string
        JsonNode regex = Ia3Format.write(Ia3Config.builder().targetRegex(".*\\.(k|v)").feedforwardRegex(".*wo").build());
        assertEquals(".*\\.(k|v)", regex.get("target_modules").textValue());
        assertEquals(".*wo", regex.get("feedforward_modules").textValue());
        assertTrue(Ia3Format.write(Ia3Config.builder().addTargetModules("k").build()).get("feedforward_modules").isNull());
    }

    @Test
    void readsAConfigAsPeftWritesItAndRoundTrips() {
        // adapter_config.json as PEFT 0.15's save_pretrained writes IA3Config() for t5-small (sets become lists in any order)
        String json = "{\n  \"auto_mapping\": null,\n  \"base_model_name_or_path\": \"google/flan-t5-small\",\n"
                + "  \"exclude_modules\": null,\n  \"fan_in_fan_out\": false,\n  \"feedforward_modules\": [\n    \"wo\"\n  ],\n"
                + "  \"inference_mode\": true,\n  \"init_ia3_weights\": true,\n  \"modules_to_save\": null,\n  \"peft_type\": \"IA3\",\n"
                + "  \"revision\": null,\n  \"target_modules\": [\n    \"wo\",\n    \"v\",\n    \"k\"\n  ],\n  \"task_type\": \"SEQ_2_SEQ_LM\"\n}\n";
        Ia3Config c = read(json, "adapter_config.json");
        assertEquals(List.of("k", "v", "wo"), c.targetModules());
        assertEquals(Optional.of(List.of("wo")), c.feedforwardModules());
        assertEquals(Optional.of("SEQ_2_SEQ_LM"), c.taskType());
        assertEquals(Optional.of("google/flan-t5-small"), c.baseModelNameOrPath());
        assertTrue(c.initIa3Weights());
        assertTrue(c.inferenceMode());
        assertEquals(c, read(Json.write(Ia3Format.write(c)), "again"));
        Ia3Config random = Ia3Config.builder().targetRegex(".*\\.(k|v|wo)").feedforwardRegex(".*\\.wo").initIa3Weights(false)
                .addExcludeModules("decoder.block.0.layer.0.SelfAttention.k").build();
        assertEquals(ImmutableIa3Config.copyOf(random).withInferenceMode(true), read(Json.write(Ia3Format.write(random)), "r"));
        // feedforward_modules: null means "the family decides", [] means "none": both survive the round trip
        assertEquals(Optional.empty(), read(json.replace("[\n    \"wo\"\n  ]", "null"), "f").feedforwardModules());
        assertEquals(Optional.of(List.of()), read(json.replace("[\n    \"wo\"\n  ]", "[]"), "f").feedforwardModules());
    }

    @Test
    void badValuesFailNamingTheFieldTheValueAndWhatIsExpected() {
        PeftException subset = assertThrows(PeftException.class,
                () -> Peft.ia3().target("k", "v").feedforward("wo").build());
        assertEquals("IA3Config.feedforward_modules must be a subset of target_modules (PEFT's rule): [wo] not in target_modules [k, v]",
                subset.getMessage());
        PeftException conv1d = assertThrows(PeftException.class, () -> Peft.ia3().target("k").fanInFanOut(true).build());
        assertTrue(conv1d.getMessage().startsWith("IA3Config.fan_in_fan_out must be false, got true"), conv1d.getMessage());
        PeftException layers = assertThrows(PeftException.class, () -> Peft.ia3().target("k").layers(0).build());
        assertTrue(layers.getMessage().startsWith("IA3Config has no layers_to_transform/layers_pattern"), layers.getMessage());
        PeftException both = assertThrows(PeftException.class,
                () -> Peft.ia3().target("k").feedforward("k").feedforwardRegex(".*k").build());
        assertTrue(both.getMessage().contains("feedforward_modules is either a list of names or one regular expression"), both.getMessage());
        PeftException regex = assertThrows(PeftException.class, () -> Peft.ia3().target("k").feedforwardRegex("(").build());
        assertTrue(regex.getMessage().startsWith("IA3Config.feedforward_modules: invalid regular expression '('"), regex.getMessage());
        // the same rules when the file says so, with the file named first
        PeftException file = assertThrows(PeftException.class, () -> read(
                "{\"peft_type\": \"IA3\", \"target_modules\": [\"k\"], \"feedforward_modules\": [\"wo\"]}", "dir/adapter_config.json"));
        assertTrue(file.getMessage().startsWith("dir/adapter_config.json: IA3Config.feedforward_modules must be a subset"), file.getMessage());
        PeftException type = assertThrows(PeftException.class, () -> read(
                "{\"peft_type\": \"IA3\", \"target_modules\": [\"k\"], \"init_ia3_weights\": \"yes\"}", "a.json"));
        assertEquals("a.json: init_ia3_weights must be true or false, got \"yes\"", type.getMessage());
        PeftException unknown = assertThrows(PeftException.class, () -> read("{\"peft_type\": \"IA4\", \"target_modules\": [\"k\"]}", "b.json"));
        assertTrue(unknown.getMessage().startsWith("b.json: peft_type is 'IA4'; this SDK reads "), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("IA3") && unknown.getMessage().contains("LORA"), unknown.getMessage());
    }

    @Test
    void describesItselfAndWritesOnlyResolvedConfigs() {
        assertEquals("IA3 (feed-forward [wo])", Peft.ia3().target("k", "wo").feedforward("wo").build().describe());
        assertEquals("IA3", Peft.ia3().build().describe());
        assertThrows(IllegalStateException.class, () -> Ia3Format.write(Peft.ia3().target(Component.LLM_ATTN).build()));
        assertFalse(Peft.ia3().build().hasTargets(), "no target: the family's defaults apply when planned");
    }
}
