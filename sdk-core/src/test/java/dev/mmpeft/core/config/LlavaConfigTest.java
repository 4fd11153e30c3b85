package dev.mmpeft.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LlavaConfig} and {@link ClipVisionConfig} as transformers reads them. */
class LlavaConfigTest {
    @Test
    void readsTheLlava15HubConfig() {
        LlavaConfig c = Configs.read(TestResources.hfConfig("llava-1.5-7b-hf"), LlavaConfig.class);
        assertEquals(32000, c.imageTokenId());
        assertEquals("gelu", c.projectorHiddenAct());
        assertEquals("default", c.visionFeatureSelectStrategy());
        assertEquals(List.of(-2), c.visionFeatureLayers());
        assertFalse(c.visionFeatureLayerIsList());
        assertEquals(List.of(23), c.featureLayerIndexes());
        assertTrue(c.multimodalProjectorBias());
        assertFalse(c.tiesWordEmbeddings());
        assertEquals(Optional.of(32001), c.padTokenId());
        assertEquals(576, c.imageFeatureCount());

        ClipVisionConfig v = c.visionConfig();
        assertEquals(1024, v.hiddenSize());
        assertEquals(4096, v.intermediateSize());
        assertEquals(24, v.numHiddenLayers());
        assertEquals(16, v.numAttentionHeads());
        assertEquals(336, v.imageSize());
        assertEquals(14, v.patchSize());
        assertEquals(576, v.numPatches());
        // absent in the hub file: CLIPVisionConfig's defaults
        assertEquals("quick_gelu", v.hiddenAct());
        assertEquals(1e-5, v.layerNormEps());
        assertEquals(3, v.numChannels());

        LlamaConfig t = c.textConfig();
        assertEquals(32064, t.vocabSize());
        assertEquals(4096, t.maxPositionEmbeddings());
        assertEquals(1e-5, t.rmsNormEps());
        // absent: LlamaConfig's defaults, which are Vicuna-7B's shapes
        assertEquals(4096, t.hiddenSize());
        assertEquals(11008, t.intermediateSize());
        assertEquals(32, t.numHiddenLayers());
        assertEquals(32, t.numAttentionHeads());
    }

    @Test
    void absentSubConfigsTakeLlavasDefaults() {
        LlavaConfig c = parse("{\"model_type\": \"llava\"}");
        // LlavaConfig with vision_config=None: CLIP ViT-L/14-336, not CLIPVisionConfig's defaults
        assertEquals(1024, c.visionConfig().hiddenSize());
        assertEquals(336, c.visionConfig().imageSize());
        assertEquals(14, c.visionConfig().patchSize());
        assertEquals(24, c.visionConfig().numHiddenLayers());
        assertEquals(768, c.visionConfig().projectionDim());
        assertEquals(32000, c.textConfig().vocabSize());
        assertEquals(32000, c.imageTokenId());
        assertEquals(576, c.imageSeqLength());
        // a vision_config object without fields takes CLIPVisionConfig's own defaults
        LlavaConfig d = parse("{\"model_type\": \"llava\", \"vision_config\": {}, \"image_token_id\": 5}");
        assertEquals(768, d.visionConfig().hiddenSize());
        assertEquals(32, d.visionConfig().patchSize());
        assertEquals(49, d.imageFeatureCount());
        assertEquals(5, d.imageTokenId());
    }

    @Test
    void featureLayersStrategyAndTyingFollowTransformers() {
        LlavaConfig c = parse("{\"model_type\": \"llava\", \"vision_feature_layer\": [-1, 0, 3], \"vision_feature_select_strategy\": \"full\","
                + " \"vision_config\": {\"num_hidden_layers\": 3, \"image_size\": 64}, \"text_config\": {\"tie_word_embeddings\": true}}");
        assertEquals(List.of(3, 0, 3), c.featureLayerIndexes());
        assertTrue(c.visionFeatureLayerIsList());
        assertEquals(5, c.imageFeatureCount()); // 2x2 patches + CLS
        assertTrue(c.tiesWordEmbeddings());
        assertTrue(c.languageModelConfig().tieWordEmbeddings());
        LlavaConfig top = parse("{\"model_type\": \"llava\", \"tie_word_embeddings\": true}");
        assertFalse(top.textConfig().tieWordEmbeddings());
        assertTrue(top.languageModelConfig().tieWordEmbeddings());
    }

    @Test
    void writesWhatItReads(@TempDir Path dir) throws Exception {
        LlavaConfig c = parse("{\"model_type\": \"llava\", \"vision_feature_layer\": [-2, -5], \"image_token_index\": 7,"
                + " \"vision_config\": {\"num_hidden_layers\": 4, \"hidden_size\": 64, \"num_attention_heads\": 4},"
                + " \"text_config\": {\"vocab_size\": 100, \"hidden_size\": 32, \"num_attention_heads\": 4}, \"pad_token_id\": 3}");
        Configs.write(c, dir);
        JsonNode written = Json.read(dir.resolve("config.json"));
        assertTrue(written.get("vision_feature_layer").isArray());
        assertEquals(c, Configs.read(dir, LlavaConfig.class));
        LlavaConfig single = parse("{\"model_type\": \"llava\"}");
        Configs.write(single, dir);
        assertEquals(-2, Json.read(dir.resolve("config.json")).get("vision_feature_layer").intValue());
        assertEquals(single, Configs.read(dir, LlavaConfig.class));
    }

    @Test
    void aFeatureLayerOutOfRangeNamesTheFieldAndTheRange(@TempDir Path dir) throws Exception {
        ObjectNode root = (ObjectNode) Json.read(TestResources.hfConfig("llava-1.5-7b-hf"));
        root.put("vision_feature_layer", -30);
        Path file = dir.resolve("config.json");
        Files.writeString(file, Json.write(root));
        ConfigException e = assertThrows(ConfigException.class, () -> Configs.read(dir));
        assertEquals(file + ": field 'vision_feature_layer' is -30; expected an index into the vision tower's 25 hidden states"
                + " (the embeddings output and vision_config.num_hidden_layers = 24 layers), from -25 to 24", e.getMessage());
        root.putArray("vision_feature_layer").add(-2).add(25);
        Files.writeString(file, Json.write(root));
        e = assertThrows(ConfigException.class, () -> Configs.read(dir));
        assertTrue(e.getMessage().startsWith(file + ": field 'vision_feature_layer' is [-2, 25], where 25 is out of range;"), e.getMessage());
        // the edges are valid: the embeddings output and the last layer
        assertEquals(List.of(0, 24), parse("{\"model_type\": \"llava\", \"vision_feature_layer\": [-25, 24]}").featureLayerIndexes());
    }

    @Test
    void otherBadFieldsNameTheField() {
        assertEquals("t.json: field 'vision_feature_select_strategy' is 'cls'; expected 'default' or 'full'",
                assertThrows(ConfigException.class, () -> parse("{\"model_type\": \"llava\", \"vision_feature_select_strategy\": \"cls\"}"))
                        .getMessage());
        assertEquals("t.json: field 'vision_feature_layer' must be an integer or a list of integers, found \"last\"",
                assertThrows(ConfigException.class, () -> parse("{\"model_type\": \"llava\", \"vision_feature_layer\": \"last\"}")).getMessage());
        assertEquals("t.json: field 'text_config.model_type' is 'mistral'; mmpeft's LLaVA supports a 'llama' language model (LLaMA, Vicuna)",
                assertThrows(ConfigException.class, () -> parse("{\"model_type\": \"llava\", \"text_config\": {\"model_type\": \"mistral\"}}"))
                        .getMessage());
        assertEquals("t.json: field 'vision_config.model_type' is 'siglip_vision_model'; expected 'clip_vision_model' (a CLIP vision tower)",
                assertThrows(ConfigException.class,
                        () -> parse("{\"model_type\": \"llava\", \"vision_config\": {\"model_type\": \"siglip_vision_model\"}}")).getMessage());
        assertEquals("t.json: field 'image_token_index' is -1; expected a token id >= 0",
                assertThrows(ConfigException.class, () -> parse("{\"model_type\": \"llava\", \"image_token_index\": -1}")).getMessage());
        String badPatch = assertThrows(ConfigException.class,
                () -> parse("{\"model_type\": \"llava\", \"vision_config\": {\"image_size\": 10, \"patch_size\": 14}}")).getMessage();
        assertEquals("t.json: in 'vision_config': vision_config: image_size 10 is smaller than patch_size 14", badPatch);
        // not a multiple: the convolution drops the remainder, as in transformers
        assertEquals(4, parse("{\"model_type\": \"llava\", \"vision_config\": {\"image_size\": 30, \"patch_size\": 14}}")
                .imageFeatureCount());
    }

    @Test
    void aLoneClipVisionConfigReadsToo() {
        ModelConfig c = Configs.parse(Json.parse("{\"model_type\": \"clip_vision_model\", \"hidden_act\": \"gelu\"}", "v.json"), "v.json");
        ClipVisionConfig v = (ClipVisionConfig) c;
        assertEquals("gelu", v.hiddenAct());
        assertEquals(50, v.numPositions());
        assertEquals(v, Configs.parse(v.toJson(), "again"));
    }

    private static LlavaConfig parse(String json) {
        return (LlavaConfig) Configs.parse(Json.parse(json, "t.json"), "t.json");
    }
}
