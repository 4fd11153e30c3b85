package dev.mmpeft.peft.prefix;

import static dev.mmpeft.peft.testing.TinyBlips.logits;
import static dev.mmpeft.peft.testing.TinyBlips.maxDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.Prompt;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prefix tuning on the tiny InstructBLIP-FlanT5 and -LLaMA: where the prefixes go, a padded batch
 * equal to its rows run alone, training with the SDK's trainer (plain and reparameterised),
 * PEFT's file layout with the projection folded on save, the refused merge, and bad input. The
 * numbers themselves are checked against an independent reference in {@code BlocksReferenceTest}.
 */
class PrefixTuningTest {
    @TempDir Path tmp;

    @Test
    void prefixesGoToTheStackThatTakesPastKeyValues() {
        try (PeftModel<InstructBlip> t5 = Peft.prefix().virtualTokens(5).on(TinyBlips.t5().model());
                PeftModel<InstructBlip> llama = Peft.prefix().virtualTokens(5).on(TinyBlips.llama().model())) {
            assertEquals(List.of("language_model.decoder"), t5.targetedModules("default"));
            assertEquals(List.of("language_model.model"), llama.targetedModules("default"));
            // T5: 2 layers x 2 x (4 heads x d_kv 4); LLaMA: 2 layers x 2 x (2 key/value heads x head_dim 4)
            assertEquals(5L * 2 * 2 * 16, t5.parameterReport().trainable());
            assertEquals(5L * 2 * 2 * 8, llama.parameterReport().trainable());
            PrefixTuningConfig c = t5.config("default", PrefixTuningConfig.class);
            assertEquals(2, c.numTransformerSubmodules().getAsInt());
            assertEquals(16, c.tokenDim().getAsInt());
            assertEquals(1, llama.config("default", PrefixTuningConfig.class).numTransformerSubmodules().getAsInt());
            assertEquals(2, llama.config("default", PrefixTuningConfig.class).numAttentionHeads().getAsInt());
        }
    }

    @Test
    void aPaddedBatchEqualsItsRowsRunAloneAndZeroPrefixesAreNoIdentity() {
        for (Tiny tiny : List.of(TinyBlips.t5(), TinyBlips.llama())) {
            float[] base = logits(tiny, tiny.model());
            try (PeftModel<InstructBlip> zero = Peft.prefix().virtualTokens(4).zeroInit().on(tiny.model())) {
                // all-zero keys and values still take attention weight: not the base model
                assertTrue(maxDiff(base, logits(tiny, zero.model())) > 1e-3);
            }
            try (PeftModel<InstructBlip> peft = Peft.prefix().virtualTokens(4).seed(3).on(tiny.model());
                    NDManager scope = NDManager.newBaseManager()) {
                List<Prompt> prompts = TinyBlips.prompts();
                NDArray batch = peft.model().forward(tiny.processor().trainingInputs(prompts, scope)).logits();
                long vocab = batch.getShape().get(2);
                for (int i = 0; i < prompts.size(); i++) {
                    NDArray alone = peft.model().forward(tiny.processor().trainingInputs(List.of(prompts.get(i)), scope)).logits();
                    long length = alone.getShape().get(1);
                    float[] row = batch.get(i + ", :" + length + ", :").toFloatArray();
                    float d = maxDiff(alone.toFloatArray(), row);
                    assertTrue(d <= 1e-5, tiny.dir().getFileName() + " row " + i + " differs by " + d);
                    assertEquals(length * vocab, row.length);
                }
                assertTrue(prompts.stream().map(p -> p.target()).distinct().count() > 1, "rows of different lengths");
            }
        }
    }

    @Test
    void trainsPlainOnT5AndReparameterisedOnLlamaAndSavesPeftsLayout() throws IOException {
        Tiny t5 = TinyBlips.t5();
        try (PeftModel<InstructBlip> peft = Peft.prefix().virtualTokens(4).on(t5.model(), t5.processor(), t5.dir().toString())) {
            float before = TinyBlips.loss(peft);
            var r = TinyBlips.train(peft, 8, 5e-2);
            assertTrue(TinyBlips.loss(peft) < before - 0.05, "T5 loss goes down from " + before + ": " + r.losses() + " -> " + TinyBlips.loss(peft));
        }
        Tiny llama = TinyBlips.llama();
        Path dir = tmp.resolve("prefix");
        float[] trained;
        try (PeftModel<InstructBlip> peft = Peft.prefix().virtualTokens(4).projection(12)
                .on(llama.model(), llama.processor(), llama.dir().toString())) {
            // the MLP trains: embedding [4, 8], Linear 8 -> 12, Linear 12 -> 2 layers x 2 x 8
            assertEquals(4 * 8 + (12 * 8 + 12) + (32 * 12 + 32), peft.parameterReport().trainable());
            assertEquals(5, peft.trainableParameters().size());
            float before = TinyBlips.loss(peft);
            TinyBlips.train(peft, 8, 1e-2);
            assertTrue(TinyBlips.loss(peft) < before - 0.05, "LLaMA loss goes down from " + before);
            PeftException e = assertThrows(PeftException.class, peft::merge);
            assertTrue(e.getMessage().contains("cannot merge"), e.getMessage());
            trained = logits(llama, peft.model());
            peft.save(dir);
        }
        JsonNode config = Json.read(dir.resolve(AdapterFiles.CONFIG));
        assertEquals("PREFIX_TUNING", config.get("peft_type").textValue());
        assertTrue(config.get("prefix_projection").booleanValue());
        assertTrue(config.get("inference_mode").booleanValue());
        for (String key : new String[] {"num_layers", "token_dim", "num_attention_heads", "num_transformer_submodules", "encoder_hidden_size"}) {
            assertTrue(config.get(key).isInt(), key);
        }
        assertEquals(List.of(2, 8, 2, 1, 12), List.of(config.get("num_layers").intValue(), config.get("token_dim").intValue(),
                config.get("num_attention_heads").intValue(), config.get("num_transformer_submodules").intValue(),
                config.get("encoder_hidden_size").intValue()));
        try (var file = AdapterFiles.openWeights(dir)) {
            assertEquals(List.of("prompt_embeddings"), List.copyOf(file.names()));
            assertArrayEquals(new long[] {4, 32}, file.find("prompt_embeddings").orElseThrow().shape());
        }
        // loaded as PEFT loads a saved adapter: plain prefixes, the folded MLP reproducing the trained model
        try (InstructBlip fresh = InstructBlip.load(llama.dir()); PeftModel<InstructBlip> loaded = Peft.load(fresh, dir)) {
            assertEquals(List.of("prompt_embeddings"), List.copyOf(loaded.adapterTensors("default").keySet()));
            float d = maxDiff(trained, logits(llama, loaded.model()));
            assertTrue(d <= 1e-5, "folded prefixes reproduce the trained model: " + d);
            Path again = tmp.resolve("again");
            loaded.save(again);
            try (var a = AdapterFiles.openWeights(dir); var b = AdapterFiles.openWeights(again); NDManager m = NDManager.newBaseManager()) {
                assertArrayEquals(a.load("prompt_embeddings", m).toFloatArray(), b.load("prompt_embeddings", m).toFloatArray());
            }
        }
    }

    @Test
    void badInputIsRefusedNamingTheFieldAndValue() throws IOException {
        assertMessage(() -> Peft.prefix().build(), "num_virtual_tokens must be > 0 (set virtualTokens(n)), got 0");
        assertMessage(() -> Peft.prefix().virtualTokens(-2).build(), "num_virtual_tokens must be > 0 (set virtualTokens(n)), got -2");
        assertMessage(() -> Peft.prefix().virtualTokens(4).projection(0).build(), "encoder_hidden_size must be > 0, got 0");
        assertMessage(() -> Peft.prefix().virtualTokens(4).numTransformerSubmodules(3).build(), "num_transformer_submodules must be 1 or 2, got 3");
        assertMessage(() -> Peft.prefix().virtualTokens(4).initWeights("ones").build(), "init_weights must be null or \"zero\", got \"ones\"");
        assertMessage(() -> Peft.prefix().virtualTokens(4).tokenDim(24).on(TinyBlips.llama().model()),
                "token_dim is 24 but the model has 8 key/value width of 'language_model.model' (2 heads x 4)");
        try (NDManager m = NDManager.newBaseManager()) {
            assertMessage(() -> Peft.prefix().virtualTokens(4).on(dev.mmpeft.peft.testing.ToyModel.random(m, 1)),
                    "prefix tuning needs exactly one language model that takes past_key_values");
        }
        InstructBlip t5 = TinyBlips.t5().model();
        Path dir = tmp.resolve("bad");
        try (PeftModel<InstructBlip> peft = Peft.prefix().virtualTokens(4).on(t5)) {
            peft.save(dir);
            try (NDManager m = NDManager.newBaseManager()) {
                SafetensorsWriter.write(dir.resolve(AdapterFiles.WEIGHTS),
                        Map.of("prompt_embeddings", m.zeros(new ai.djl.ndarray.types.Shape(4, 60))), Map.of("format", "pt"));
            }
        }
        AdapterMismatchException mismatch = assertThrows(AdapterMismatchException.class, () -> Peft.load(t5, dir));
        assertTrue(mismatch.getMessage().contains("prompt_embeddings") && mismatch.getMessage().contains("(4, 64)"), mismatch.getMessage());
        String json = Files.readString(dir.resolve(AdapterFiles.CONFIG));
        Files.writeString(dir.resolve(AdapterFiles.CONFIG), json.replace("\"num_virtual_tokens\" : 4", "\"num_virtual_tokens\" : 4, \"r\" : 8"));
        assertMessage(() -> Peft.readConfig(dir), "adapter_config.json: r = 8 is an option of LORA adapters, not of PREFIX_TUNING");
        Files.writeString(dir.resolve(AdapterFiles.CONFIG), json.replace("\"num_virtual_tokens\" : 4", "\"num_virtual_tokens\" : 0"));
        assertMessage(() -> Peft.readConfig(dir), "adapter_config.json: PrefixTuningConfig.num_virtual_tokens must be > 0");
        Files.writeString(dir.resolve(AdapterFiles.CONFIG), json.replace("\"num_layers\" : 2", "\"num_layers\" : 3"));
        assertMessage(() -> Peft.load(t5, dir), "num_layers is 3 but the model has 2 self-attention layers of 'language_model.decoder'");
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String expected) {
        PeftException e = assertThrows(PeftException.class, call);
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage());
    }
}
