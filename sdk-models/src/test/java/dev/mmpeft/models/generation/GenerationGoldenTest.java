package dev.mmpeft.models.generation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.models.LanguageModel;
import dev.mmpeft.models.llama.LlamaModel;
import dev.mmpeft.models.t5.T5Model;
import dev.mmpeft.models.testing.Golden;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Greedy decoding (plain, and with repetition penalty + min_new_tokens) and beam search (three
 * length-penalty / early-stopping settings) against the numpy reference of transformers'
 * generate, for T5 and LLaMA, with and without the KV cache, on padded batches.
 */
class GenerationGoldenTest {
    private static LanguageModel load(Golden golden) {
        return golden.directory().getFileName().toString().startsWith("t5")
                ? T5Model.load(golden.directory())
                : LlamaModel.load(golden.directory());
    }

    private static long[] longs(List<Long> list) {
        return list.stream().mapToLong(Long::longValue).toArray();
    }

    @ParameterizedTest
    @CsvSource({
        "t5-gated-tied, true", "t5-gated-tied, false", "t5-relu-untied, true",
        "llama-gqa-tied, true", "llama-gqa-tied, false", "llama-bias-untied, true"
    })
    void greedyAndBeamSearchMatchReference(String name, boolean useCache) throws Exception {
        Golden golden = Golden.of(name);
        LanguageModel model = load(golden);
        try (NDManager m = NDManager.newBaseManager(); AutoCloseable closer = (AutoCloseable) model) {
            NDArray ids = golden.longs(m, "input_ids");
            NDArray mask = golden.longs(m, "attention_mask");
            int maxNew = golden.json().get("max_new_tokens").asInt();
            JsonNode json = golden.json();

            GenerationResult greedy = Generator.generateFromIds(
                    model, ids, mask, GenerationConfig.builder().maxNewTokens(maxNew).useCache(useCache).build());
            List<List<Long>> expected = Golden.sequences(json.get("greedy"));
            for (int b = 0; b < 2; b++) {
                assertArrayEquals(longs(expected.get(b)), greedy.tokens(b), name + " greedy row " + b);
                assertEquals(json.get("greedy_logprob").get(b).asDouble() / expected.get(b).size(), greedy.score(b), 1e-4);
            }

            JsonNode pen = json.get("penalized");
            GenerationResult penalized = Generator.generate(model, model.embedTokens(ids), mask, GenerationConfig.builder()
                    .maxNewTokens(maxNew).useCache(useCache)
                    .minNewTokens(pen.get("min_new_tokens").asInt())
                    .repetitionPenalty(pen.get("repetition_penalty").asDouble()).build());
            List<List<Long>> expectedPen = Golden.sequences(pen.get("tokens"));
            for (int b = 0; b < 2; b++) {
                assertArrayEquals(longs(expectedPen.get(b)), penalized.tokens(b), name + " penalized row " + b);
            }

            for (JsonNode beam : (Iterable<JsonNode>) json.get("beams")::elements) {
                if (!useCache && !beam.get("early_stopping").asText().equals("false")) {
                    continue; // without the cache one beam setting suffices: the cost grows with the square of the length
                }
                EarlyStopping es = switch (beam.get("early_stopping").asText()) {
                    case "true" -> EarlyStopping.EAGER;
                    case "never" -> EarlyStopping.NEVER;
                    default -> EarlyStopping.HEURISTIC;
                };
                GenerationResult r = Generator.generate(model, model.embedTokens(ids), mask, GenerationConfig.builder()
                        .maxNewTokens(maxNew).useCache(useCache).numBeams(beam.get("num_beams").asInt())
                        .lengthPenalty(beam.get("length_penalty").asDouble()).earlyStopping(es).build());
                List<List<Long>> tokens = Golden.sequences(beam.get("tokens"));
                for (int b = 0; b < 2; b++) {
                    String what = name + " beams " + beam.get("num_beams") + "/" + beam.get("length_penalty") + "/" + es + " row " + b;
                    assertArrayEquals(longs(tokens.get(b)), r.tokens(b), what);
                    assertEquals(beam.get("scores").get(b).asDouble(), r.score(b), 1e-4, what + " score");
                }
            }
        }
    }
}
