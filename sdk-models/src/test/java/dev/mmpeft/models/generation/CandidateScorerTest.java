package dev.mmpeft.models.generation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.models.LanguageModel;
import dev.mmpeft.models.llama.LlamaModel;
import dev.mmpeft.models.t5.T5Model;
import dev.mmpeft.models.testing.Golden;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Candidate scoring as LAVIS's predict_class, against the numpy reference, and against an
 * independent computation: one unpadded forward pass per candidate.
 */
class CandidateScorerTest {
    private static LanguageModel load(Golden golden) {
        return golden.directory().getFileName().toString().startsWith("t5")
                ? T5Model.load(golden.directory())
                : LlamaModel.load(golden.directory());
    }

    private static List<long[]> candidates(JsonNode c) {
        List<long[]> out = new ArrayList<>();
        for (List<Long> seq : Golden.sequences(c.get("candidates"))) {
            out.add(seq.stream().mapToLong(Long::longValue).toArray());
        }
        return out;
    }

    private static NDArray prefix(NDManager m, JsonNode c) {
        JsonNode shape = c.get("prefix_shape");
        float[] values = new float[c.get("prefix").size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) c.get("prefix").get(i).asDouble();
        }
        return m.create(values, new Shape(shape.get(0).asLong(), shape.get(1).asLong(), shape.get(2).asLong()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"t5-gated-tied", "t5-relu-untied", "llama-gqa-tied", "llama-bias-untied"})
    void scoresMatchReferenceAndPerCandidatePasses(String name) throws Exception {
        Golden golden = Golden.of(name);
        LanguageModel model = load(golden);
        try (NDManager m = NDManager.newBaseManager(); AutoCloseable closer = (AutoCloseable) model) {
            JsonNode c = golden.json().get("candidates");
            NDArray prefix = prefix(m, c);
            NDArray prompt = Golden.longs(m, c.get("prompt"));
            NDArray promptMask = Golden.longs(m, c.get("prompt_mask"));
            List<long[]> cands = candidates(c);
            CandidateScores scores = CandidateScorer.score(model, prefix, null, prompt, promptMask, cands);
            for (int b = 0; b < 2; b++) {
                for (int k = 0; k < cands.size(); k++) {
                    assertEquals(c.get("scores").get(b).get(k).asDouble(), scores.loss(b, k), 2e-4, name + " example " + b + " candidate " + k);
                }
            }
            // independently: each candidate alone, no candidate padding, through the plain forward
            long[] p = prompt.toLongArray();
            long[] pm = promptMask.toLongArray();
            int promptLength = (int) prompt.getShape().get(1);
            int width = cands.stream().mapToInt(x -> x.length).max().orElseThrow();
            for (int b = 0; b < 2; b++) {
                float[] expected = new float[cands.size()];
                int real = 0;
                for (int t = 0; t < promptLength; t++) {
                    real += (int) pm[b * promptLength + t];
                }
                long[] promptIds = java.util.Arrays.copyOfRange(p, b * promptLength, b * promptLength + real);
                NDArray pre = prefix.get(b + ":" + (b + 1));
                for (int k = 0; k < cands.size(); k++) {
                    long[] cand = cands.get(k);
                    try (NDManager s = m.newSubManager()) {
                        if (model.isEncoderDecoder()) {
                            NDArray embeds = NDArrays.concat(new NDList(pre, model.embedTokens(s.create(new long[][] {promptIds}))), 1);
                            NDArray mask = s.ones(new Shape(1, embeds.getShape().get(1)));
                            NDArray labels = s.create(new long[][] {cand});
                            float mean = model.forward(embeds, mask, null, null, labels).loss().orElseThrow().getFloat();
                            expected[k] = mean * cand.length;
                        } else {
                            long[] row = new long[real + cand.length - 1];
                            long[] labels = new long[row.length + 3];
                            java.util.Arrays.fill(labels, -100);
                            System.arraycopy(promptIds, 0, row, 0, real);
                            for (int t = 1; t < cand.length; t++) {
                                row[real + t - 1] = cand[t];
                                labels[3 + real + t - 1] = cand[t];
                            }
                            NDArray embeds = NDArrays.concat(new NDList(pre, model.embedTokens(s.create(new long[][] {row}))), 1);
                            NDArray mask = s.ones(new Shape(1, embeds.getShape().get(1)));
                            float mean = model.forward(embeds, mask, null, null, s.create(new long[][] {labels})).loss().orElseThrow().getFloat();
                            // LAVIS divides the summed loss by the padded sequence length - 1
                            int paddedPositions = 3 + promptLength + width - 1;
                            expected[k] = mean * (cand.length - 1) / (paddedPositions - 1);
                        }
                    }
                }
                assertArrayEquals(expected, scores.losses(b), 2e-4f, name + " example " + b);
                int best = 0;
                for (int k = 1; k < expected.length; k++) {
                    best = expected[k] < expected[best] ? k : best;
                }
                assertEquals(best, scores.best(b));
                assertEquals(cands.size(), scores.ranking(b).length);
            }
        }
    }

    @Test
    void emptyCandidateListIsRejected() {
        Golden golden = Golden.of("llama-gqa-tied");
        try (NDManager m = NDManager.newBaseManager(); LlamaModel model = LlamaModel.load(golden.directory())) {
            NDArray prompt = m.create(new long[][] {{1, 5}});
            MmpeftException e = assertThrows(MmpeftException.class,
                    () -> CandidateScorer.score(model, null, null, prompt, m.ones(new Shape(1, 2)), List.of()));
            assertEquals("candidate scoring: no candidates given", e.getMessage());
            e = assertThrows(MmpeftException.class,
                    () -> CandidateScorer.score(model, null, null, prompt, m.ones(new Shape(1, 2)), List.of(new long[] {1})));
            assertEquals("candidate scoring: candidate 0 has 1 tokens; expected at least 2 (BOS and a token)", e.getMessage());
        }
    }
}
