package dev.mmpeft.models.llava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.models.generation.CandidateScores;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Candidate scoring checked against the forward pass (itself checked against the numpy reference):
 * each score is the loss of the prompt followed by the candidate, as a single-row forward with
 * labels on the candidate only computes it, times the candidate's token count over the padded row
 * length minus one (LAVIS's per-sequence mean).
 */
class LlavaScoringTest {
    @Test
    void scoresAreTheForwardLossOfEachPromptAndCandidate() throws Exception {
        Path dir = LlavaReferenceTest.fixture("default-legacy");
        List<long[]> candidates = List.of(new long[] {1, 5, 7}, new long[] {1, 9}, new long[] {1, 12, 13, 40});
        try (Llava model = Llava.load(dir);
                NDManager m = NDManager.newBaseManager();
                Checkpoint in = Checkpoint.open(dir.resolve("inputs.safetensors"))) {
            NDArray pixels = in.load("pixel_values", m);
            NDArray ids = in.load("input_ids", m);
            NDArray mask = in.load("attention_mask", m);
            CandidateScores scores = model.scoreCandidates(LlavaInputs.builder().pixelValues(pixels).inputIds(ids).attentionMask(mask).build(), candidates);
            int batch = (int) ids.getShape().get(0);
            int length = (int) ids.getShape().get(1);
            int width = 4;
            long[] flatIds = ids.toLongArray();
            long[] flatMask = mask.toLongArray();
            for (int b = 0; b < batch; b++) {
                int real = (int) Arrays.stream(flatMask, b * length, (b + 1) * length).sum();
                for (int c = 0; c < candidates.size(); c++) {
                    long[] cand = candidates.get(c);
                    long[] row = new long[real + cand.length - 1];
                    long[] labels = new long[row.length];
                    Arrays.fill(labels, -100);
                    System.arraycopy(flatIds, b * length, row, 0, real);
                    for (int t = 1; t < cand.length; t++) {
                        row[real + t - 1] = cand[t];
                        labels[real + t - 1] = cand[t];
                    }
                    LlavaOutput single = model.forward(LlavaInputs.builder()
                            .pixelValues(pixels.get(b + ":" + (b + 1)))
                            .inputIds(m.create(row, new Shape(1, row.length)))
                            .labels(m.create(labels, new Shape(1, row.length)))
                            .build());
                    double expected = single.loss().orElseThrow().getFloat() * (cand.length - 1) / (double) (length + width - 2);
                    assertEquals(expected, scores.loss(b, c), 1e-5, "example " + b + " candidate " + c);
                }
            }
        }
    }

    @Test
    void leftPaddedPromptsAreRefused() throws Exception {
        Path dir = LlavaReferenceTest.fixture("layers-legacy-left");
        try (Llava model = Llava.load(dir);
                NDManager m = NDManager.newBaseManager();
                Checkpoint in = Checkpoint.open(dir.resolve("inputs.safetensors"))) {
            LlavaInputs inputs = LlavaInputs.builder().pixelValues(in.load("pixel_values", m)).inputIds(in.load("input_ids", m))
                    .attentionMask(in.load("attention_mask", m)).build();
            MmpeftException e = assertThrows(MmpeftException.class, () -> model.scoreCandidates(inputs, List.of(new long[] {1, 5})));
            assertEquals("attention_mask: row 1 is not right-padded; candidate scoring reads prompts padded on the right", e.getMessage());
            e = assertThrows(MmpeftException.class, () -> model.scoreCandidates(inputs, List.of(new long[] {1})));
            assertEquals("candidate scoring: candidate 0 has 1 tokens; expected at least 2 (BOS and a token)", e.getMessage());
        }
    }
}
