package dev.mmpeft.models.instructblip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.instructblip.testing.TinyInstructBlip;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Candidate scoring at the InstructBLIP level, checked against forward passes with labels. */
class InstructBlipScoringTest {
    /** Right-padded prompts: "what is in the image" / "color ?" (T5 ids end with EOS, LLaMA ids start with BOS). */
    static InstructBlipInputs prompts(NDManager m, boolean t5, Integer imageToken) {
        long[][] text = t5 ? new long[][] {{3, 4, 5, 6, 7, 1}, {23, 8, 1, 0, 0, 0}} : new long[][] {{1, 3, 4, 5, 6, 7}, {1, 23, 8, 44, 44, 44}};
        long[][] mask = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0}};
        int extra = imageToken == null ? 0 : 4;
        long[] ids = new long[2 * (6 + extra)];
        long[] am = new long[ids.length];
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < extra; i++) {
                ids[b * (6 + extra) + i] = imageToken;
                am[b * (6 + extra) + i] = 1;
            }
            for (int i = 0; i < 6; i++) {
                ids[b * (6 + extra) + extra + i] = text[b][i];
                am[b * (6 + extra) + extra + i] = mask[b][i];
            }
        }
        return InstructBlipGenerationTest.batchOfTwo(m, ids, am);
    }

    @Test
    void t5ScoresAreSummedTokenLossesOfForwardPasses() {
        List<long[]> candidates = List.of(new long[] {9, 10, 1}, new long[] {12, 1}, new long[] {13, 14, 15, 1});
        try (InstructBlip model = InstructBlip.random(TinyInstructBlip.config(true, false), 8, 0.3f);
                NDManager m = NDManager.newBaseManager()) {
            InstructBlipInputs in = prompts(m, true, null);
            CandidateScores scores = model.scoreCandidates(in, candidates);
            assertEquals(2, scores.examples());
            assertEquals(3, scores.candidates());
            for (int b = 0; b < 2; b++) {
                for (int c = 0; c < 3; c++) {
                    long[] cand = candidates.get(c);
                    InstructBlipInputs one = InstructBlipInputs.builder()
                            .pixelValues(in.pixelValues().get(new NDIndex("{}:{}", b, b + 1)))
                            .qformerInputIds(in.qformerInputIds().get(new NDIndex("{}:{}", b, b + 1)))
                            .qformerAttentionMask(in.qformerAttentionMask().orElseThrow().get(new NDIndex("{}:{}", b, b + 1)))
                            .inputIds(in.inputIds().get(new NDIndex("{}:{}", b, b + 1)))
                            .attentionMask(in.attentionMask().orElseThrow().get(new NDIndex("{}:{}", b, b + 1)))
                            .labels(m.create(cand, new Shape(1, cand.length)))
                            .build();
                    float mean = model.forward(one).loss().orElseThrow().getFloat();
                    assertEquals(mean * cand.length, scores.loss(b, c), 1e-4, "example " + b + " candidate " + c);
                }
                int[] rank = scores.ranking(b);
                assertTrue(scores.loss(b, rank[0]) <= scores.loss(b, rank[1]) && scores.loss(b, rank[1]) <= scores.loss(b, rank[2]));
            }
        }
    }

    @Test
    void llamaRanksLikeSummedLossAndBothLayoutsAgree() {
        List<long[]> candidates = List.of(new long[] {1, 9, 10}, new long[] {1, 12}, new long[] {1, 13, 14, 15});
        InstructBlipConfig legacy = TinyInstructBlip.config(false, false);
        InstructBlipConfig placeholders = TinyInstructBlip.config(false, true);
        try (InstructBlip a = InstructBlip.random(legacy, 9, 0.3f);
                NDManager m = NDManager.newBaseManager()) {
            InstructBlip b = InstructBlip.fromConfig(placeholders);
            Map<String, Parameter> from = a.namedParameters();
            b.namedParameters().forEach((k, p) -> p.setArray(from.get(k).getArray()));
            CandidateScores sa = a.scoreCandidates(prompts(m, false, null), candidates);
            CandidateScores sb = b.scoreCandidates(prompts(m, false, placeholders.imageTokenId().orElseThrow()), candidates);
            for (int e = 0; e < 2; e++) {
                for (int c = 0; c < 3; c++) {
                    assertTrue(Float.isFinite(sa.loss(e, c)) && sa.loss(e, c) > 0);
                    assertEquals(sa.loss(e, c), sb.loss(e, c), 1e-5);
                }
                assertArrayEquals(sa.ranking(e), sb.ranking(e));
            }
            // left-padded prompts are refused with a message naming the input
            InstructBlipInputs left = InstructBlipGenerationTest.inputs(m, false, null);
            MmpeftException ex = assertThrows(MmpeftException.class, () -> a.scoreCandidates(left, candidates));
            assertTrue(ex.getMessage().startsWith("attention_mask: row 1 is not right-padded"), ex.getMessage());
        }
    }
}
