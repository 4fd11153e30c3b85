package dev.mmpeft.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.models.llama.LlamaModel;
import dev.mmpeft.models.t5.T5Model;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Adapter files written by an independent numpy implementation of PEFT's prefix tuning
 * ({@code prompt_embeddings} through {@code get_prompt} into transformers' {@code past_key_values}),
 * PEFT's adaption prompts and AdapterHub's bottleneck adapters
 * ({@code src/test/python/blocks_reference.py}, which regenerates {@code blocks-reference/}) load
 * here and reproduce the reference's logits on tiny T5 and LLaMA models, with padded batches.
 */
class BlocksReferenceTest {
    private static final Path DIR = Path.of("src/test/resources/blocks-reference");

    @Test
    void t5PrefixAndPfeifferAdaptersMatchTheReference() {
        JsonNode expected = Json.read(DIR.resolve("t5-expected.json"));
        try (T5Model base = T5Model.load(DIR.resolve("t5")); NDManager scope = NDManager.newBaseManager()) {
            NDArray ids = longs(scope, expected.get("input_ids"));
            NDArray mask = longs(scope, expected.get("attention_mask"));
            NDArray decoderIds = longs(scope, expected.get("decoder_input_ids"));
            float[] plain = base.forward(base.embedTokens(ids), mask, decoderIds, null, null).logits().toFloatArray();
            for (String name : new String[] {"t5-prefix", "t5-prefix-zero", "t5-pfeiffer"}) {
                float[] want = floats(expected.get("logits").get(name));
                try (PeftModel<T5Model> peft = Peft.load(Adaptables.t5(base), DIR.resolve(name))) {
                    T5Model m = peft.model();
                    float[] got = m.forward(m.embedTokens(ids), mask, decoderIds, null, null).logits().toFloatArray();
                    assertClose(name, want, got, 1e-4f);
                    // every case, the all-zero prefixes included, changes the logits
                    assertTrue(maxDiff(want, plain) > 0.05, name + " changes the logits");
                    assertTrue(peft.loadReport("default").orElseThrow().isExact(), name);
                }
            }
        }
    }

    @Test
    void llamaPrefixAdaptionPromptAndHoulsbyAdaptersMatchTheReference() {
        JsonNode expected = Json.read(DIR.resolve("llama-expected.json"));
        try (LlamaModel base = LlamaModel.load(DIR.resolve("llama")); NDManager scope = NDManager.newBaseManager()) {
            NDArray ids = longs(scope, expected.get("input_ids"));
            NDArray mask = longs(scope, expected.get("attention_mask"));
            float[] plain = base.forward(base.embedTokens(ids), mask, null, null, null).logits().toFloatArray();
            for (String name : new String[] {"llama-prefix", "llama-prefix-zero", "llama-adaption", "llama-houlsby"}) {
                float[] want = floats(expected.get("logits").get(name));
                try (PeftModel<LlamaModel> peft = Peft.load(Adaptables.llama(base), DIR.resolve(name))) {
                    LlamaModel m = peft.model();
                    float[] got = m.forward(m.embedTokens(ids), mask, null, null, null).logits().toFloatArray();
                    assertClose(name, want, got, 1e-4f);
                    assertTrue(maxDiff(want, plain) > 0.05, name + " changes the logits");
                }
            }
        }
    }

    @Test
    void prefixConfigsReadAsPeftWroteThem() {
        PeftConfig t5 = Peft.readConfig(DIR.resolve("t5-prefix"));
        assertEquals("PREFIX_TUNING", t5.peftType());
        dev.mmpeft.peft.prefix.PrefixTuningConfig c = (dev.mmpeft.peft.prefix.PrefixTuningConfig) t5;
        assertEquals(3, c.numVirtualTokens());
        assertEquals(2, c.numTransformerSubmodules().getAsInt());
        assertEquals(16, c.tokenDim().getAsInt());
        PeftConfig adaption = dev.mmpeft.peft.format.AdapterFiles.readPeftConfig(DIR.resolve("llama-adaption"));
        assertEquals("ADAPTION_PROMPT", adaption.peftType());
    }

    static NDArray longs(NDManager m, JsonNode rows) {
        int r = rows.size();
        int c = rows.get(0).size();
        long[] v = new long[r * c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                v[i * c + j] = rows.get(i).get(j).asLong();
            }
        }
        return m.create(v, new Shape(r, c)).toType(DataType.INT64, false);
    }

    static float[] floats(JsonNode values) {
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) values.get(i).asDouble();
        }
        return v;
    }

    static float maxDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static void assertClose(String name, float[] want, float[] got, float tolerance) {
        assertEquals(want.length, got.length, name + " length");
        float d = maxDiff(want, got);
        assertTrue(d <= tolerance, name + ": logits differ from the reference by " + d);
    }
}
