package dev.mmpeft.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.testing.SharedFiles;
import dev.mmpeft.core.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigsTest {

    // ---- the real hub configs ----------------------------------------------------------------

    @Test
    void readsInstructBlipFlanT5XlHubConfig() {
        InstructBlipConfig c = Configs.read(TestResources.hfConfig("instructblip-flan-t5-xl"), InstructBlipConfig.class);
        assertEquals(32, c.numQueryTokens());
        assertEquals(Optional.empty(), c.imageTokenId());
        assertFalse(c.useDecoderOnlyLanguageModel());

        VisionConfig v = c.visionConfig();
        assertEquals(1408, v.hiddenSize());
        assertEquals(6144, v.intermediateSize());
        assertEquals(39, v.numHiddenLayers());
        assertEquals(16, v.numAttentionHeads());
        assertEquals(224, v.imageSize());
        assertEquals(14, v.patchSize());
        assertEquals(256, v.numPatches());
        assertTrue(v.qkvBias());
        assertEquals(1e-6, v.layerNormEps());
        assertEquals("gelu", v.hiddenAct());

        QFormerConfig q = c.qformerConfig();
        assertEquals(30523, q.vocabSize());
        assertEquals(768, q.hiddenSize());
        assertEquals(12, q.numHiddenLayers());
        assertEquals(12, q.numAttentionHeads());
        assertEquals(3072, q.intermediateSize());
        assertEquals(2, q.crossAttentionFrequency());
        assertEquals(1408, q.encoderHiddenSize());
        assertEquals(1e-12, q.layerNormEps());
        assertEquals(512, q.maxPositionEmbeddings());
        assertTrue(q.hasCrossAttention(0));
        assertFalse(q.hasCrossAttention(1));
        assertTrue(q.hasCrossAttention(10));

        T5Config t = assertInstanceOf(T5Config.class, c.textConfig());
        assertEquals(2048, t.dModel());
        assertEquals(5120, t.dFf());
        assertEquals(64, t.dKv());
        assertEquals(32, t.numHeads());
        assertEquals(24, t.numLayers());
        assertEquals(24, t.numDecoderLayers());
        assertEquals(32128, t.vocabSize());
        assertEquals("gated-gelu", t.feedForwardProj());
        assertTrue(t.isGatedAct());
        // the hub file overrides the activation transformers would derive (gelu_new): exact GELU
        assertEquals("gelu", t.denseActFn());
        assertFalse(t.tieWordEmbeddings());
        assertEquals(0, t.decoderStartTokenId());
        assertEquals(1, t.eosTokenId());
        assertEquals(0, t.padTokenId());
        assertEquals(Optional.of(1), t.bosTokenId());
        assertEquals(32, t.relativeAttentionNumBuckets());
        assertEquals(128, t.relativeAttentionMaxDistance());
        assertEquals(1e-6, t.layerNormEpsilon());
        assertTrue(t.isEncoderDecoder());
    }

    @Test
    void readsInstructBlipVicuna7bHubConfig() {
        InstructBlipConfig c = Configs.read(TestResources.hfConfig("instructblip-vicuna-7b"), InstructBlipConfig.class);
        assertTrue(c.useDecoderOnlyLanguageModel());
        assertEquals(32, c.numQueryTokens());
        assertEquals(1408, c.visionConfig().hiddenSize());
        assertEquals(30523, c.qformerConfig().vocabSize());

        LlamaConfig l = assertInstanceOf(LlamaConfig.class, c.textConfig());
        assertEquals(4096, l.hiddenSize());
        assertEquals(11008, l.intermediateSize());
        assertEquals(32, l.numHiddenLayers());
        assertEquals(32, l.numAttentionHeads());
        // absent in the file: transformers uses num_attention_heads and hidden/heads
        assertEquals(32, l.numKeyValueHeads());
        assertEquals(128, l.headDim());
        assertEquals(32001, l.vocabSize());
        assertEquals(1e-6, l.rmsNormEps());
        assertEquals(2048, l.maxPositionEmbeddings());
        assertEquals(10000.0, l.ropeTheta());
        assertFalse(l.tieWordEmbeddings());
        assertEquals("silu", l.hiddenAct());
        assertFalse(l.isEncoderDecoder());
    }

    @Test
    void readsSharedCheckpointConfigs() {
        LlamaConfig l = Configs.read(SharedFiles.get("checkpoints/stories260K"), LlamaConfig.class);
        assertEquals(64, l.hiddenSize());
        assertEquals(172, l.intermediateSize());
        assertEquals(5, l.numHiddenLayers());
        assertEquals(8, l.numAttentionHeads());
        assertEquals(4, l.numKeyValueHeads());
        assertEquals(8, l.headDim());
        assertEquals(512, l.vocabSize());
        assertEquals(1e-5, l.rmsNormEps());
        assertTrue(l.tieWordEmbeddings());
        assertEquals(1, l.bosTokenId());
        assertEquals(2, l.eosTokenId());
        assertEquals(Optional.empty(), l.padTokenId());

        BertConfig b = Configs.read(SharedFiles.get("checkpoints/tiny-bert-seqcls/config.json"), BertConfig.class);
        assertEquals(32, b.hiddenSize());
        assertEquals(5, b.numHiddenLayers());
        assertEquals(4, b.numAttentionHeads());
        assertEquals(37, b.intermediateSize());
        assertEquals(1124, b.vocabSize());
        assertEquals(16, b.typeVocabSize());
        assertEquals(1e-12, b.layerNormEps());
        assertEquals(2, b.numLabels());
    }

    // ---- defaults for absent fields ----------------------------------------------------------

    @Test
    void absentFieldsTakeTransformersDefaults() {
        T5Config t = (T5Config) parse("{\"model_type\": \"t5\"}");
        assertEquals(32128, t.vocabSize());
        assertEquals(512, t.dModel());
        assertEquals(64, t.dKv());
        assertEquals(2048, t.dFf());
        assertEquals(6, t.numLayers());
        assertEquals(6, t.numDecoderLayers());
        assertEquals(8, t.numHeads());
        assertEquals(32, t.relativeAttentionNumBuckets());
        assertEquals(128, t.relativeAttentionMaxDistance());
        assertEquals(1e-6, t.layerNormEpsilon());
        assertEquals(0.1, t.dropoutRate());
        assertEquals("relu", t.feedForwardProj());
        assertEquals("relu", t.denseActFn());
        assertFalse(t.isGatedAct());
        assertTrue(t.tieWordEmbeddings());
        assertEquals(0, t.padTokenId());
        assertEquals(1, t.eosTokenId());
        assertEquals(Optional.empty(), t.bosTokenId());

        LlamaConfig l = (LlamaConfig) parse("{\"model_type\": \"llama\"}");
        assertEquals(32000, l.vocabSize());
        assertEquals(4096, l.hiddenSize());
        assertEquals(11008, l.intermediateSize());
        assertEquals(32, l.numHiddenLayers());
        assertEquals(32, l.numAttentionHeads());
        assertEquals(32, l.numKeyValueHeads());
        assertEquals(128, l.headDim());
        assertEquals(2048, l.maxPositionEmbeddings());
        assertEquals(1e-6, l.rmsNormEps());
        assertEquals(10000.0, l.ropeTheta());
        assertFalse(l.attentionBias());
        assertFalse(l.mlpBias());
        assertFalse(l.tieWordEmbeddings());
        assertEquals(1, l.bosTokenId());
        assertEquals(2, l.eosTokenId());

        BertConfig b = (BertConfig) parse("{\"model_type\": \"bert\"}");
        assertEquals(30522, b.vocabSize());
        assertEquals(768, b.hiddenSize());
        assertEquals(12, b.numHiddenLayers());
        assertEquals(12, b.numAttentionHeads());
        assertEquals(3072, b.intermediateSize());
        assertEquals("gelu", b.hiddenAct());
        assertEquals(512, b.maxPositionEmbeddings());
        assertEquals(2, b.typeVocabSize());
        assertEquals(1e-12, b.layerNormEps());
        assertEquals("absolute", b.positionEmbeddingType());
        assertEquals(2, b.numLabels());

        InstructBlipConfig ib = (InstructBlipConfig) parse("{\"model_type\": \"instructblip\", \"text_config\": {\"model_type\": \"t5\"}}");
        assertEquals(32, ib.numQueryTokens());
        assertEquals(1408, ib.visionConfig().hiddenSize());
        assertEquals(39, ib.visionConfig().numHiddenLayers());
        assertEquals(1e-6, ib.visionConfig().layerNormEps());
        assertEquals(30522, ib.qformerConfig().vocabSize());
        assertEquals(2, ib.qformerConfig().crossAttentionFrequency());
        assertEquals(1e-12, ib.qformerConfig().layerNormEps());
    }

    @Test
    void t5ActivationFollowsTransformers() {
        T5Config gated = (T5Config) parse("{\"model_type\": \"t5\", \"feed_forward_proj\": \"gated-gelu\"}");
        assertEquals("gelu_new", gated.denseActFn());
        assertTrue(gated.isGatedAct());
        T5Config silu = (T5Config) parse("{\"model_type\": \"t5\", \"feed_forward_proj\": \"gated-silu\"}");
        assertEquals("silu", silu.denseActFn());
        assertTrue(silu.isGatedAct());
        T5Config explicit =
                (T5Config) parse("{\"model_type\": \"t5\", \"feed_forward_proj\": \"gated-gelu\", \"dense_act_fn\": \"gelu\"}");
        assertEquals("gelu", explicit.denseActFn());
        ConfigException bad = assertThrows(ConfigException.class, () -> parse("{\"model_type\": \"t5\", \"feed_forward_proj\": \"fancy-gelu\"}"));
        assertTrue(bad.getMessage().contains("feed_forward_proj 'fancy-gelu'"), bad.getMessage());
    }

    @Test
    void t5AliasesAndDecoderDepth() {
        T5Config t = (T5Config) parse(
                "{\"model_type\": \"t5\", \"num_layers\": 4, \"hidden_size\": 256, \"num_attention_heads\": 4, \"num_hidden_layers\": 3}");
        assertEquals(256, t.dModel());
        assertEquals(4, t.numHeads());
        assertEquals(3, t.numLayers());
        // transformers derives the decoder depth from num_layers before the alias applies
        assertEquals(4, t.numDecoderLayers());
        T5Config asym = (T5Config) parse("{\"model_type\": \"t5\", \"num_layers\": 4, \"num_decoder_layers\": 2}");
        assertEquals(2, asym.numDecoderLayers());
    }

    @Test
    void bertLabelCountFollowsId2label() {
        BertConfig b = (BertConfig) parse(
                "{\"model_type\": \"bert\", \"num_labels\": 5, \"id2label\": {\"0\": \"A\", \"1\": \"B\", \"2\": \"C\"}}");
        assertEquals(3, b.numLabels());
        assertEquals(7, ((BertConfig) parse("{\"model_type\": \"bert\", \"num_labels\": 7}")).numLabels());
    }

    @Test
    void instructBlipTakesEncoderWidthFromVision() {
        InstructBlipConfig c = (InstructBlipConfig) parse("{\"model_type\": \"instructblip\","
                + " \"vision_config\": {\"hidden_size\": 64, \"num_attention_heads\": 4},"
                + " \"qformer_config\": {\"encoder_hidden_size\": 1408},"
                + " \"text_config\": {\"model_type\": \"llama\", \"hidden_size\": 32, \"num_attention_heads\": 4},"
                + " \"num_query_tokens\": 8, \"image_token_index\": 99}");
        assertEquals(64, c.qformerConfig().encoderHiddenSize());
        assertEquals(8, c.numQueryTokens());
        assertEquals(Optional.of(99), c.imageTokenId());
        assertTrue(c.useDecoderOnlyLanguageModel());
    }

    // ---- unknown fields ----------------------------------------------------------------------

    @Test
    void unknownFieldsAreTolerated() {
        LlamaConfig l = (LlamaConfig) parse("{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_attention_heads\": 4,"
                + " \"pretraining_tp\": 1, \"some_future_field\": {\"nested\": [1, 2, 3]}, \"rope_scaling\": null}");
        assertEquals(64, l.hiddenSize());
        assertEquals(16, l.headDim());
    }

    // ---- errors ------------------------------------------------------------------------------

    @Test
    void missingRequiredFieldsNameFileAndField(@TempDir Path tmp) throws Exception {
        Path noType = write(tmp, "a.json", "{\"hidden_size\": 4}");
        assertMessage(() -> Configs.read(noType), noType.toString(), "required field 'model_type' is missing");

        Path noText = write(tmp, "b.json", "{\"model_type\": \"instructblip\"}");
        assertMessage(() -> Configs.read(noText), noText.toString(), "required field 'text_config' is missing");

        Path noTextType = write(tmp, "c.json", "{\"model_type\": \"instructblip\", \"text_config\": {\"d_model\": 8}}");
        assertMessage(() -> Configs.read(noTextType), noTextType.toString(), "'text_config.model_type' is missing");
    }

    @Test
    void wrongTypesNameFileAndFieldPath(@TempDir Path tmp) throws Exception {
        Path textString = write(tmp, "a.json",
                "{\"model_type\": \"instructblip\", \"text_config\": {\"model_type\": \"t5\", \"d_model\": \"2048\"}}");
        assertMessage(() -> Configs.read(textString), textString.toString(), "field 'text_config.d_model' must be an integer, found \"2048\"");

        Path qkv = write(tmp, "b.json", "{\"model_type\": \"instructblip\", \"vision_config\": {\"qkv_bias\": \"yes\"},"
                + " \"text_config\": {\"model_type\": \"t5\"}}");
        assertMessage(() -> Configs.read(qkv), qkv.toString(), "field 'vision_config.qkv_bias' must be true or false");

        Path qformerArray = write(tmp, "c.json", "{\"model_type\": \"instructblip\", \"qformer_config\": [1],"
                + " \"text_config\": {\"model_type\": \"t5\"}}");
        assertMessage(() -> Configs.read(qformerArray), qformerArray.toString(), "field 'qformer_config' must be a JSON object");

        Path fraction = write(tmp, "d.json", "{\"model_type\": \"llama\", \"num_hidden_layers\": 2.5}");
        assertMessage(() -> Configs.read(fraction), fraction.toString(), "field 'num_hidden_layers' must be an integer, found 2.5");

        Path eps = write(tmp, "e.json", "{\"model_type\": \"bert\", \"layer_norm_eps\": \"small\"}");
        assertMessage(() -> Configs.read(eps), eps.toString(), "field 'layer_norm_eps' must be a number");
    }

    @Test
    void impossibleValuesNameTheObject(@TempDir Path tmp) throws Exception {
        Path heads = write(tmp, "a.json", "{\"model_type\": \"instructblip\", \"text_config\": {\"model_type\": \"llama\","
                + " \"hidden_size\": 64, \"num_attention_heads\": 6, \"num_key_value_heads\": 4}}");
        assertMessage(() -> Configs.read(heads), heads.toString(), "in 'text_config'", "num_attention_heads 6 must be a multiple of num_key_value_heads 4");

        Path patch = write(tmp, "b.json", "{\"model_type\": \"instructblip\", \"vision_config\": {\"image_size\": 100},"
                + " \"text_config\": {\"model_type\": \"t5\"}}");
        assertMessage(() -> Configs.read(patch), patch.toString(), "in 'vision_config'", "image_size 100 is not a multiple of patch_size 14");

        Path rope = write(tmp, "c.json", "{\"model_type\": \"llama\", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}}");
        assertMessage(() -> Configs.read(rope), rope.toString(), "field 'rope_scaling' is not supported");
    }

    @Test
    void badFilesNameTheFile(@TempDir Path tmp) throws Exception {
        Path broken = write(tmp, "config.json", "{\"model_type\": \"t5\",\n \"d_model\": }");
        assertMessage(() -> Configs.read(tmp), broken.toString(), "invalid JSON", "line 2");

        Path dup = write(tmp, "dup.json", "{\"model_type\": \"t5\", \"d_model\": 4, \"d_model\": 8}");
        assertMessage(() -> Configs.read(dup), dup.toString(), "Duplicate field 'd_model'");

        Path missing = tmp.resolve("nowhere");
        assertMessage(() -> Configs.read(missing), missing + ": no such config file or model directory");
        Path emptyDir = Files.createDirectory(tmp.resolve("empty"));
        assertMessage(() -> Configs.read(emptyDir), emptyDir.resolve("config.json") + ": no such config file");

        Path opt = write(tmp, "opt.json", "{\"model_type\": \"opt\"}");
        assertMessage(() -> Configs.read(opt), opt.toString(), "model_type 'opt' is not supported");

        Path array = write(tmp, "array.json", "[1, 2]");
        assertMessage(() -> Configs.read(array), array.toString(), "config must be a JSON object");

        Path bert = write(tmp, "bert.json", "{\"model_type\": \"bert\"}");
        assertMessage(() -> Configs.read(bert, T5Config.class), "expected a T5Config", "found model_type 'bert'");
    }

    // ---- round trip --------------------------------------------------------------------------

    @Test
    void toJsonParsesBackToEqualConfigs(@TempDir Path tmp) throws Exception {
        for (String name : new String[] {"instructblip-flan-t5-xl", "instructblip-vicuna-7b"}) {
            ModelConfig c = Configs.read(TestResources.hfConfig(name));
            assertEquals(c, Configs.parse(c.toJson(), "toJson of " + name));
            Path dir = tmp.resolve(name);
            Configs.write(c, dir);
            assertEquals(c, Configs.read(dir));
            // written atomically: nothing but config.json is left in the folder
            try (var files = Files.list(dir)) {
                assertEquals(1, files.count());
            }
        }
        for (String json : new String[] {
            "{\"model_type\": \"t5\", \"feed_forward_proj\": \"gated-gelu\", \"num_layers\": 3, \"num_decoder_layers\": 2, \"bos_token_id\": 5}",
            "{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_attention_heads\": 8, \"num_key_value_heads\": 4, \"head_dim\": 16, \"pad_token_id\": 0}",
            "{\"model_type\": \"bert\", \"num_labels\": 3, \"type_vocab_size\": 16}",
            "{\"model_type\": \"instructblip\", \"image_token_index\": 32001, \"text_config\": {\"model_type\": \"llama\"}}"
        }) {
            ModelConfig c = parse(json);
            JsonNode written = c.toJson();
            assertEquals(c, Configs.parse(Json.parse(Json.write(written), "round trip"), "round trip"), json);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static ModelConfig parse(String json) {
        return Configs.parse(Json.parse(json, "test"), "test");
    }

    private static Path write(Path dir, String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String... parts) {
        ConfigException e = assertThrows(ConfigException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "message '" + e.getMessage() + "' lacks '" + part + "'");
        }
    }
}
