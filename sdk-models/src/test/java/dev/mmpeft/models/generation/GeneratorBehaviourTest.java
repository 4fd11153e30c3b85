package dev.mmpeft.models.generation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.models.LanguageModel;
import dev.mmpeft.models.llama.LlamaModel;
import dev.mmpeft.models.t5.T5Model;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Generation properties that hold whatever the weights: batching, padding, exhaustive optimum, limits. */
class GeneratorBehaviourTest {
    private static LlamaModel llama(NDManager m, int vocab, long seed) {
        LlamaConfig config = LlamaConfig.builder().vocabSize(vocab).hiddenSize(16).intermediateSize(20).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).bosTokenId(1).eosTokenId(2).build();
        return LlamaModel.random(config, m, seed, 0.6f);
    }

    private static T5Model t5(NDManager m, int vocab, long seed) {
        T5Config config = T5Config.builder().vocabSize(vocab).dModel(16).dKv(4).dFf(20).numLayers(2).numHeads(4)
                .relativeAttentionNumBuckets(8).relativeAttentionMaxDistance(16).feedForwardProj("gated-gelu").build();
        return T5Model.random(config, m, seed, 0.6f);
    }

    private static GenerationResult run(LanguageModel model, NDManager m, long[][] ids, long[][] mask, GenerationConfig c) {
        return Generator.generateFromIds(model, m.create(ids), m.create(mask), c);
    }

    @Test
    void paddedBatchesEqualSingleExamples() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (LanguageModel model : List.of(llama(m, 30, 3), t5(m, 30, 4))) {
                long[][] batch = {{0, 0, 5, 7, 9}, {4, 8, 3, 12, 6}, {11, 13, 0, 0, 0}};
                long[][] mask = {{0, 0, 1, 1, 1}, {1, 1, 1, 1, 1}, {1, 1, 0, 0, 0}};
                long[][][] single = {{{5, 7, 9}}, {{4, 8, 3, 12, 6}}, {{11, 13}}};
                for (GenerationConfig c : List.of(
                        GenerationConfig.greedy(7),
                        GenerationConfig.builder().numBeams(3).maxNewTokens(6).build(),
                        GenerationConfig.builder().numBeams(3).maxNewTokens(6).useCache(false).build())) {
                    GenerationResult together = run(model, m, batch, mask, c);
                    for (int b = 0; b < 3; b++) {
                        long[][] ones = {new long[single[b][0].length]};
                        java.util.Arrays.fill(ones[0], 1);
                        GenerationResult alone = run(model, m, single[b], ones, c);
                        assertArrayEquals(alone.tokens(0), together.tokens(b), model.modelType() + " " + c + " row " + b);
                        assertEquals(alone.score(0), together.score(b), 1e-4);
                    }
                }
            }
        }
    }

    @Test
    void droppingFinishedRowsGivesTheSameTokensAndScores() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (LanguageModel model : List.of(llama(m, 30, 3), t5(m, 30, 4))) {
                long[][] batch = {{0, 0, 5, 7, 9}, {4, 8, 3, 12, 6}, {11, 13, 0, 0, 0}, {0, 21, 17, 2, 5}};
                long[][] mask = {{0, 0, 1, 1, 1}, {1, 1, 1, 1, 1}, {1, 1, 0, 0, 0}, {0, 1, 1, 1, 1}};
                GenerationResult free = run(model, m, batch, mask, GenerationConfig.greedy(8));
                // an EOS that row 0 reaches at its second token, so rows finish at different steps
                int eos = (int) free.tokens(0)[1];
                for (boolean cache : new boolean[] {true, false}) {
                    GenerationConfig c = GenerationConfig.builder().maxNewTokens(8).eosTokenId(eos).useCache(cache).build();
                    GenerationResult full = run(model, m, batch, mask, c);
                    List<long[]> heard = new ArrayList<>();
                    NDArray embeds = model.embedTokens(m.create(batch));
                    GenerationResult dropped = Generator.generate(model, embeds, m.create(mask), c, heard::add);
                    String what = model.modelType() + " cache " + cache;
                    assertTrue(!heard.isEmpty() && heard.get(0).length < 4, what + ": rows were dropped");
                    for (int i = 1; i < heard.size(); i++) {
                        assertTrue(heard.get(i).length < heard.get(i - 1).length, what + ": the batch only shrinks");
                    }
                    for (int b = 0; b < 4; b++) {
                        assertArrayEquals(full.tokens(b), dropped.tokens(b), what + " row " + b);
                        assertEquals(full.score(b), dropped.score(b), 1e-5, what + " row " + b);
                    }
                    int firstEos = 0;
                    while (free.tokens(0)[firstEos] != eos) {
                        firstEos++;
                    }
                    assertEquals(firstEos + 1, dropped.tokens(0).length, what + ": row 0 ends at its EOS");
                    for (long[] rows : heard) {
                        assertTrue(java.util.Arrays.stream(rows).noneMatch(r -> r == 0) || firstEos > 0, what + ": row 0 finished first and stays out");
                    }
                }
            }
        }
    }

    @Test
    void decoderOnlyPromptsContinueAfterTheirLastRealToken() {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = llama(m, 30, 5);
            GenerationConfig c = GenerationConfig.greedy(6);
            GenerationResult right = run(model, m, new long[][] {{5, 7, 9, 0, 0}}, new long[][] {{1, 1, 1, 0, 0}}, c);
            GenerationResult left = run(model, m, new long[][] {{0, 0, 5, 7, 9}}, new long[][] {{0, 0, 1, 1, 1}}, c);
            assertArrayEquals(left.tokens(0), right.tokens(0));
            // transformers returns the prompt ids as given, then the new tokens
            long[] seq = right.sequences()[0];
            assertArrayEquals(new long[] {5, 7, 9, 0, 0}, java.util.Arrays.copyOf(seq, 5));
        }
    }

    @Test
    void beamSearchFindsTheExhaustiveOptimum() {
        try (NDManager m = NDManager.newBaseManager()) {
            int vocab = 5;
            int length = 3;
            for (LanguageModel model : List.of(llama(m, vocab, 8), t5(m, vocab, 9))) {
                long[][] prompt = {{3, 1, 4}};
                long[][] mask = {{1, 1, 1}};
                // EOS outside the vocabulary: every hypothesis runs to max_new_tokens; length penalty 0: plain log-probability
                GenerationConfig beams = GenerationConfig.builder().numBeams(vocab * vocab).maxNewTokens(length)
                        .eosTokenId(99).lengthPenalty(0).earlyStopping(EarlyStopping.NEVER).build();
                GenerationResult best = run(model, m, prompt, mask, beams);
                GenerationResult greedy = run(model, m, prompt, mask, GenerationConfig.builder().maxNewTokens(length)
                        .eosTokenId(99).lengthPenalty(0).build());
                // every sequence of `length` tokens, scored at once (one row each) by full recomputation
                int count = (int) Math.pow(vocab, length);
                long[][] all = new long[count][length];
                for (int code = 0; code < count; code++) {
                    for (int i = 0, c = code; i < length; i++, c /= vocab) {
                        all[code][length - 1 - i] = c % vocab;
                    }
                }
                double[] scores = logProbabilities(model, m, prompt[0], all);
                int arg = 0;
                for (int code = 1; code < count; code++) {
                    arg = scores[code] > scores[arg] ? code : arg;
                }
                double bestScore = scores[arg];
                long[] bestSeq = all[arg];
                assertArrayEquals(bestSeq, best.tokens(0), model.modelType());
                assertEquals(bestScore, best.score(0), 1e-4);
                assertTrue(best.score(0) >= greedy.score(0) - 1e-6, "beam " + best.score(0) + " vs greedy " + greedy.score(0));
                assertEquals(logProbability(model, m, prompt[0], greedy.tokens(0)), greedy.score(0), 1e-4);
            }
        }
    }

    /** log P(seq | prompt) of each sequence, one row per sequence, recomputing every step. */
    private static double[] logProbabilities(LanguageModel model, NDManager m, long[] prompt, long[][] seqs) {
        double[] total = new double[seqs.length];
        try (NDManager s = m.newSubManager()) {
            NDArray embeds = model.embedTokens(s.create(new long[][] {prompt}));
            NDArray mask = s.ones(new Shape(1, prompt.length));
            try (LanguageModel.DecodingSession session = model.startDecoding(embeds, mask, seqs.length, false)) {
                NDArray logits = session.first(s);
                for (int step = 0; step < seqs[0].length; step++) {
                    float[] lp = logits.logSoftmax(-1).toFloatArray();
                    int vocab = (int) logits.getShape().get(1);
                    long[] tokens = new long[seqs.length];
                    for (int r = 0; r < seqs.length; r++) {
                        tokens[r] = seqs[r][step];
                        total[r] += lp[r * vocab + (int) tokens[r]];
                    }
                    logits = session.next(s, tokens);
                }
            }
        }
        return total;
    }

    /** log P(seq | prompt) of one sequence. */
    private static double logProbability(LanguageModel model, NDManager m, long[] prompt, long[] seq) {
        return logProbabilities(model, m, prompt, new long[][] {seq})[0];
    }

    @Test
    void cacheAndRecomputationGiveTheSameLogitsThroughReorders() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (LanguageModel model : List.of(llama(m, 30, 13), t5(m, 30, 14))) {
                NDArray ids = m.create(new long[][] {{0, 5, 7, 9}, {4, 8, 3, 12}});
                NDArray mask = m.create(new long[][] {{0, 1, 1, 1}, {1, 1, 1, 1}});
                long[][] feed = {{3, 4, 5, 6}, {7, 7, 8, 8}, {9, 1, 2, 3}};
                long[][] orders = {{1, 0, 3, 2}, {0, 0, 2, 2}, {1, 1, 3, 2}};
                try (LanguageModel.DecodingSession cached = model.startDecoding(model.embedTokens(ids), mask, 2, true);
                        LanguageModel.DecodingSession full = model.startDecoding(model.embedTokens(ids), mask, 2, false)) {
                    assertArrayEquals(full.first(m).toFloatArray(), cached.first(m).toFloatArray(), 1e-5f);
                    for (int step = 0; step < feed.length; step++) {
                        cached.reorder(orders[step]);
                        full.reorder(orders[step]);
                        float[] a = cached.next(m, feed[step]).toFloatArray();
                        float[] b = full.next(m, feed[step]).toFloatArray();
                        assertArrayEquals(b, a, 1e-5f, model.modelType() + " step " + step);
                    }
                }
            }
        }
    }

    @Test
    void limitsEosAndPadding() {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = t5(m, 12, 21);
            long[][] ids = {{3, 5, 7}, {4, 6, 8}};
            long[][] mask = {{1, 1, 1}, {1, 1, 1}};
            // make the EOS whatever the first greedy token of row 0 is: that row stops at once
            long first = run(model, m, ids, mask, GenerationConfig.builder().maxNewTokens(1).eosTokenId(99).build()).tokens(0)[0];
            GenerationResult r = run(model, m, ids, mask, GenerationConfig.builder().maxNewTokens(5).eosTokenId((int) first).build());
            assertArrayEquals(new long[] {first}, r.tokens(0));
            assertTrue(r.tokens(1).length <= 5);
            long[][] seqs = r.sequences();
            assertEquals(seqs[0].length, seqs[1].length);
            assertEquals(0, seqs[0][0], "T5 sequences start with the decoder start token");
            for (int t = 2; t < seqs[0].length; t++) {
                assertEquals(0, seqs[0][t], "finished rows are padded with pad_token_id");
            }
            // min_new_tokens forbids that EOS for the first 3 tokens
            GenerationResult min = run(model, m, ids, mask,
                    GenerationConfig.builder().maxNewTokens(5).minNewTokens(3).eosTokenId((int) first).build());
            assertTrue(min.tokens(0).length >= 3);
            for (int i = 0; i < 3; i++) {
                assertTrue(min.tokens(0)[i] != first);
            }
            // several returned sequences, best first
            GenerationResult two = run(model, m, ids, mask,
                    GenerationConfig.builder().numBeams(3).numReturnSequences(2).maxNewTokens(4).build());
            assertEquals(4, two.size());
            assertTrue(two.score(0) >= two.score(1) && two.score(2) >= two.score(3));
        }
    }

    @Test
    void invalidConfigsAreRejectedWithTheField() {
        List<String> messages = new ArrayList<>();
        messages.add(assertThrows(MmpeftException.class, () -> GenerationConfig.builder().maxNewTokens(0).build()).getMessage());
        messages.add(assertThrows(MmpeftException.class, () -> GenerationConfig.builder().numBeams(0).build()).getMessage());
        messages.add(assertThrows(MmpeftException.class, () -> GenerationConfig.builder().numReturnSequences(2).build()).getMessage());
        messages.add(assertThrows(MmpeftException.class, () -> GenerationConfig.builder().repetitionPenalty(0).build()).getMessage());
        messages.add(assertThrows(MmpeftException.class, () -> GenerationConfig.builder().maxNewTokens(3).minNewTokens(4).build()).getMessage());
        assertTrue(messages.get(0).contains("max_new_tokens must be >= 1, got 0"), messages.get(0));
        assertTrue(messages.get(1).contains("num_beams must be >= 1, got 0"), messages.get(1));
        assertTrue(messages.get(2).contains("num_return_sequences"), messages.get(2));
        assertTrue(messages.get(3).contains("repetition_penalty"), messages.get(3));
        assertTrue(messages.get(4).contains("min_new_tokens"), messages.get(4));
    }
}
