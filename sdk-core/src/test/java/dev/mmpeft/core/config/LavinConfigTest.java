package dev.mmpeft.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LavinConfig}: LaVIN's fields with the paper's defaults, and errors naming the file and field. */
class LavinConfigTest {
    @Test
    void lavin7bAnd13bTakeThePapersDefaults() {
        LavinConfig seven = Configs.read(TestResources.hfConfig("lavin-7b"), LavinConfig.class);
        assertEquals(8, seven.adapterDim());
        assertEquals(Optional.empty(), seven.temperature());
        assertEquals(10.0, seven.routerTemperature());
        assertEquals(1.0, seven.adapterScale());
        assertEquals(128, seven.hiddenProj());
        assertEquals(4, seven.visionFeatureInterval());
        assertEquals(List.of(4, 8, 12, 16, 20, 24), seven.featureLayerIndexes());
        assertEquals(6, seven.imageFeatureCount());
        assertEquals(1024, seven.visionConfig().hiddenSize());
        assertEquals(4096, seven.textConfig().hiddenSize());

        LavinConfig thirteen = Configs.read(TestResources.hfConfig("lavin-13b"), LavinConfig.class);
        assertEquals(5.0, thirteen.routerTemperature());
        assertEquals(5120, thirteen.textConfig().hiddenSize());
        assertEquals(40, thirteen.textConfig().numHiddenLayers());
    }

    @Test
    void explicitFieldsWinAndRoundTrip(@TempDir Path tmp) throws Exception {
        LavinConfig c = read(tmp, n -> {
            n.put("adapter_dim", 16);
            n.put("temperature", 7.5);
            n.put("adapter_scale", 0.5);
            n.put("hidden_proj", 64);
            n.put("vision_feature_interval", 6);
        });
        assertEquals(16, c.adapterDim());
        assertEquals(7.5, c.routerTemperature());
        assertEquals(0.5, c.adapterScale());
        assertEquals(64, c.hiddenProj());
        assertEquals(List.of(6, 12, 18, 24), c.featureLayerIndexes());
        Configs.write(c, tmp);
        assertEquals(c, Configs.read(tmp, LavinConfig.class));
    }

    @Test
    void missingSubConfigsAreNamed(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("config.json");
        assertMessage(tmp, n -> n.remove("vision_config"), file + ": required field 'vision_config' is missing");
        assertMessage(tmp, n -> n.remove("text_config"), file + ": required field 'text_config' is missing");
        assertMessage(tmp, n -> ((ObjectNode) n.get("text_config")).put("model_type", "t5"),
                file + ": field 'text_config.model_type' is 't5'; LaVIN's language model is a 'llama' (LLaMA, Vicuna)");
    }

    @Test
    void wrongValuesAreNamedWithWhatWasExpected(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("config.json");
        assertMessage(tmp, n -> n.put("adapter_dim", 0), file + ": field 'adapter_dim' is 0; expected an even width > 0"
                + " (the up-projections are grouped convolutions of 2 groups)");
        assertMessage(tmp, n -> n.put("adapter_dim", 7), file + ": field 'adapter_dim' is 7; expected an even width > 0"
                + " (the up-projections are grouped convolutions of 2 groups)");
        assertMessage(tmp, n -> n.put("adapter_dim", "eight"), file + ": field 'adapter_dim' must be an integer, found \"eight\"");
        assertMessage(tmp, n -> n.put("temperature", -1.0), file + ": field 'temperature' is -1.0; expected a number > 0"
                + " (LaVIN: 10 for 7B, 5 for 13B)");
        assertMessage(tmp, n -> n.put("temperature", 0), file + ": field 'temperature' is 0.0; expected a number > 0"
                + " (LaVIN: 10 for 7B, 5 for 13B)");
        assertMessage(tmp, n -> n.put("hidden_proj", -128), file + ": field 'hidden_proj' is -128; expected a width > 0 (LaVIN: 128)");
        assertMessage(tmp, n -> n.put("vision_feature_interval", 25), file + ": field 'vision_feature_interval' is 25;"
                + " expected 1 to vision_config.num_hidden_layers = 24 (LaVIN: 4)");
        assertMessage(tmp, n -> ((ObjectNode) n.get("vision_config")).put("hidden_size", 0),
                file + ": in 'vision_config': vision_config: hidden_size must be > 0, got 0");
    }

    private static LavinConfig read(Path tmp, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode n = (ObjectNode) Json.read(TestResources.hfConfig("lavin-7b"));
        edit.accept(n);
        Files.writeString(tmp.resolve("config.json"), Json.write(n));
        return Configs.read(tmp, LavinConfig.class);
    }

    private static void assertMessage(Path tmp, Consumer<ObjectNode> edit, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> read(tmp, edit));
        assertEquals(expected, e.getMessage());
    }
}
