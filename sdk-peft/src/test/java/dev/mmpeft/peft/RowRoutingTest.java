package dev.mmpeft.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.peft.lora.InitLoraWeights;
import dev.mmpeft.peft.testing.TinyBlips;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Per-row routing ({@link PeftModel#routeRows}): a batch whose examples use different adapters (two
 * LoRA, one DoRA, one IA3) and no adapter computes, row by row, what each example computes alone
 * with its adapter active, for forward logits, greedy and beam generation and candidate scoring, on
 * both backbones; routing leaves the active adapter and the base weights as they were; adapters
 * that cannot share a batch are refused by name.
 */
class RowRoutingTest {
    static final float TOLERANCE = 1e-5f;
    /**
     * Logits of rows computed in one batched product and alone: they agree to float32 rounding
     * carried through every layer of the tiny models, and the batched and single products have
     * other shapes, for which the BLAS picks other kernels and summation orders. An AMD EPYC gave
     * differences under 1e-5; an AVX-512 Intel Xeon 1.6e-5 (logits under 1 in size).
     */
    static final float LOGIT_TOLERANCE = 5e-5f;

    /** Two LoRA adapters, a DoRA and an IA3 adapter with random (non-identity) values on {@code tiny}. */
    static PeftModel<InstructBlip> fourAdapters(TinyBlips.Tiny tiny) {
        PeftModel<InstructBlip> peft = Peft.lora().rank(2).alpha(4).initLoraWeights(InitLoraWeights.RANDOM)
                .target(Component.QFORMER_ALL, Component.LLM_ALL).on(tiny.model());
        peft.addAdapter("lora2", Peft.lora().rank(4).alpha(8).initLoraWeights(InitLoraWeights.RANDOM).target(Component.LLM_ATTN).build());
        peft.addAdapter("dora", Peft.lora().rank(2).alpha(2).dora(true).initLoraWeights(InitLoraWeights.RANDOM)
                .target(Component.LLM_FFN).build());
        peft.addAdapter("ia3", Peft.ia3().target(Component.QFORMER_ALL, Component.LLM_ALL).build());
        randomize(peft.adapterTensors("ia3"), 11);
        return peft;
    }

    /** Replaces every value with 1 + N(0, 0.5^2): IA3 vectors that change the outputs. */
    static void randomize(Map<String, NDArray> tensors, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (NDArray t : tensors.values()) {
            float[] v = new float[(int) t.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = 1f + 0.5f * (float) gaussian(r);
            }
            t.set(FloatBuffer.wrap(v));
        }
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    /** What {@code compute} gives for {@code prompts} with {@code adapter} active (null: adapters disabled). */
    static <T> T alone(PeftModel<InstructBlip> peft, @Nullable String adapter, Function<NDManager, T> compute) {
        if (adapter == null) {
            try (AdaptersDisabled off = peft.disableAdapters(); NDManager scope = NDManager.newBaseManager()) {
                return compute.apply(scope);
            }
        }
        String before = peft.activeAdapter().orElseThrow();
        peft.setActiveAdapter(adapter);
        try (NDManager scope = NDManager.newBaseManager()) {
            return compute.apply(scope);
        } finally {
            peft.setActiveAdapter(before);
        }
    }

    static float[] logits(TinyBlips.Tiny tiny, InstructBlip model, List<Prompt> prompts, NDManager scope) {
        return model.forward(tiny.processor().trainingInputs(prompts, scope)).logits().toFloatArray();
    }

    @Test
    void mixedForwardRowsEqualEachAloneOnBothBackbones() {
        for (TinyBlips.Tiny tiny : List.of(TinyBlips.t5(), TinyBlips.llama())) {
            Map<String, float[]> baseArrays = InstructBlipPeftTest.snapshot(tiny.model());
            try (PeftModel<InstructBlip> peft = fourAdapters(tiny)) {
                Prompt p = TinyBlips.prompts().get(0);
                List<String> routes = Arrays.asList("ia3", null, "default", "dora", "lora2", "default");
                List<Prompt> batch = new ArrayList<>();
                routes.forEach(r -> batch.add(p));
                float[] before = alone(peft, "default", s -> logits(tiny, peft.model(), List.of(p), s));
                float[] mixed;
                try (RowRouting routing = peft.routeRows(routes); NDManager scope = NDManager.newBaseManager()) {
                    mixed = logits(tiny, peft.model(), batch, scope);
                }
                int per = mixed.length / routes.size();
                List<float[]> singles = new ArrayList<>();
                for (int i = 0; i < routes.size(); i++) {
                    String a = routes.get(i);
                    float[] single = alone(peft, a, s -> logits(tiny, peft.model(), List.of(p), s));
                    float[] row = Arrays.copyOfRange(mixed, i * per, (i + 1) * per);
                    float diff = TinyBlips.maxDiff(single, row);
                    assertTrue(diff <= LOGIT_TOLERANCE,
                            tiny.dir().getFileName() + " row " + i + " (" + a + "): " + diff + " > " + LOGIT_TOLERANCE);
                    singles.add(single);
                }
                for (int i = 0; i < 5; i++) {
                    for (int j = i + 1; j < 5; j++) {
                        assertTrue(TinyBlips.maxDiff(singles.get(i), singles.get(j)) > 1e-3,
                                "adapters " + routes.get(i) + " and " + routes.get(j) + " give different logits");
                    }
                }
                assertArrayEquals(before, alone(peft, "default", s -> logits(tiny, peft.model(), List.of(p), s)),
                        "closing the routing restores the active adapter exactly");
                assertEquals("default", peft.activeAdapter().orElseThrow());
            }
            Map<String, float[]> after = InstructBlipPeftTest.snapshot(tiny.model());
            baseArrays.forEach((k, v) -> assertArrayEquals(v, after.get(k), k + " of the base model unchanged"));
        }
    }

    /**
     * Without DoRA in the batch, every LoRA and IA3 layer computes all rows in one batched product
     * (per-row matrices of ranks 2 and 4 padded to 4, rows without adapter multiplied by zeros or
     * ones); each row must still equal its adapter alone, batch after batch.
     */
    @Test
    void batchedRoutingOfLoraRanksAndIa3EqualsEachAlone() {
        for (TinyBlips.Tiny tiny : List.of(TinyBlips.t5(), TinyBlips.llama())) {
            try (PeftModel<InstructBlip> peft = fourAdapters(tiny)) {
                Prompt p = TinyBlips.prompts().get(1);
                for (List<String> routes : List.of(Arrays.asList("lora2", "ia3", null, "default", "lora2"),
                        Arrays.asList("default", "lora2", "default"))) {
                    List<Prompt> batch = new ArrayList<>();
                    routes.forEach(r -> batch.add(p));
                    float[] mixed;
                    try (RowRouting routing = peft.routeRows(routes); NDManager scope = NDManager.newBaseManager()) {
                        mixed = logits(tiny, peft.model(), batch, scope);
                    }
                    int per = mixed.length / routes.size();
                    for (int i = 0; i < routes.size(); i++) {
                        String a = routes.get(i);
                        float[] single = alone(peft, a, s -> logits(tiny, peft.model(), List.of(p), s));
                        float diff = TinyBlips.maxDiff(single, Arrays.copyOfRange(mixed, i * per, (i + 1) * per));
                        assertTrue(diff <= LOGIT_TOLERANCE,
                                tiny.dir().getFileName() + " " + routes + " row " + i + " (" + a + "): " + diff + " > " + LOGIT_TOLERANCE);
                    }
                }
            }
        }
    }

    @Test
    void greedyAndBeamGenerationFollowEachExamplesAdapter() {
        for (TinyBlips.Tiny tiny : List.of(TinyBlips.t5(), TinyBlips.llama())) {
            try (PeftModel<InstructBlip> peft = fourAdapters(tiny)) {
                List<Prompt> prompts = TinyBlips.prompts();
                List<String> routes = Arrays.asList("lora2", null, "ia3");
                for (GenerationConfig config : List.of(GenerationConfig.greedy(6), GenerationConfig.beams(3, 5))) {
                    GenerationResult mixed;
                    try (RowRouting routing = peft.routeRows(routes); NDManager scope = NDManager.newBaseManager()) {
                        mixed = peft.model().generate(tiny.processor().generationInputs(prompts, scope), config);
                    }
                    for (int i = 0; i < prompts.size(); i++) {
                        Prompt p = prompts.get(i);
                        GenerationResult single = alone(peft, routes.get(i),
                                s -> peft.model().generate(tiny.processor().generationInputs(List.of(p), s), config));
                        String what = tiny.dir().getFileName() + " " + config.numBeams() + " beams, example " + i;
                        assertArrayEquals(single.tokens(0), mixed.tokens(i), what);
                        assertEquals(single.score(0), mixed.score(i), TOLERANCE, what);
                    }
                }
            }
        }
    }

    @Test
    void greedyGenerationThatDropsFinishedRowsKeepsEachRowOnItsAdapter() {
        for (TinyBlips.Tiny tiny : List.of(TinyBlips.t5(), TinyBlips.llama())) {
            try (PeftModel<InstructBlip> peft = fourAdapters(tiny)) {
                List<Prompt> prompts = TinyBlips.prompts();
                List<String> routes = Arrays.asList("lora2", null, "ia3");
                GenerationResult free;
                try (RowRouting routing = peft.routeRows(routes); NDManager scope = NDManager.newBaseManager()) {
                    free = peft.model().generate(tiny.processor().generationInputs(prompts, scope), GenerationConfig.greedy(6));
                }
                // the first example's first token as EOS: it finishes at once, the others later
                GenerationConfig config = GenerationConfig.builder().maxNewTokens(6).eosTokenId((int) free.tokens(0)[0]).build();
                List<long[]> heard = new java.util.ArrayList<>();
                GenerationResult mixed;
                try (RowRouting routing = peft.routeRows(routes); NDManager scope = NDManager.newBaseManager()) {
                    mixed = peft.model().generate(tiny.processor().generationInputs(prompts, scope), config, rows -> {
                        heard.add(rows);
                        routing.retain(rows);
                    });
                }
                String where = tiny.dir().getFileName().toString();
                assertTrue(!heard.isEmpty() && heard.get(0).length < prompts.size(), where + ": finished rows were dropped");
                assertEquals(1, mixed.tokens(0).length, where);
                for (int i = 0; i < prompts.size(); i++) {
                    Prompt p = prompts.get(i);
                    GenerationResult single = alone(peft, routes.get(i),
                            s -> peft.model().generate(tiny.processor().generationInputs(List.of(p), s), config));
                    assertArrayEquals(single.tokens(0), mixed.tokens(i), where + " example " + i);
                    assertEquals(single.score(0), mixed.score(i), TOLERANCE, where + " example " + i);
                }
            }
        }
    }

    @Test
    void candidateScoresFollowEachExamplesAdapter() {
        TinyBlips.Tiny tiny = TinyBlips.t5();
        try (PeftModel<InstructBlip> peft = fourAdapters(tiny)) {
            List<Prompt> prompts = TinyBlips.prompts();
            List<long[]> candidates = tiny.processor().candidateIds(List.of("a cat", "red", "a circle", "no"));
            List<String> routes = Arrays.asList("dora", "default", null);
            CandidateScores mixed;
            try (RowRouting routing = peft.routeRows(routes); NDManager scope = NDManager.newBaseManager()) {
                mixed = peft.model().scoreCandidates(tiny.processor().scoringInputs(prompts, scope), candidates);
            }
            for (int i = 0; i < prompts.size(); i++) {
                Prompt p = prompts.get(i);
                CandidateScores single = alone(peft, routes.get(i), s -> {
                    InstructBlipInputs in = tiny.processor().scoringInputs(List.of(p), s);
                    return peft.model().scoreCandidates(in, candidates);
                });
                float diff = TinyBlips.maxDiff(single.losses(0), mixed.losses(i));
                assertTrue(diff <= TOLERANCE, "example " + i + " (" + routes.get(i) + "): " + diff);
            }
        }
    }

    @Test
    void adaptersThatCannotShareABatchAreRefusedByNameAndServeAlone() {
        TinyBlips.Tiny tiny = TinyBlips.t5();
        try (PeftModel<InstructBlip> peft = fourAdapters(tiny)) {
            peft.addAdapter("prefix", Peft.prefix().numVirtualTokens(2).build());
            peft.addAdapter("extras", Peft.lora().rank(2).target(Component.LLM_ATTN).train(Component.LANGUAGE_PROJECTION).build());
            assertTrue(peft.routesRows("default") && peft.routesRows("ia3") && peft.routesRows("dora"));
            assertTrue(!peft.routesRows("prefix") && !peft.routesRows("extras"));
            PeftException prefix = assertThrows(PeftException.class, () -> peft.routeRows(Arrays.asList("prefix", "default")));
            assertTrue(prefix.getMessage().contains("adapter 'prefix'") && prefix.getMessage().contains("prefix"), prefix.getMessage());
            PeftException extras = assertThrows(PeftException.class, () -> peft.routeRows(Arrays.asList(null, "extras")));
            assertTrue(extras.getMessage().contains("modules_to_save") && extras.getMessage().contains("language_projection"),
                    extras.getMessage());
            PeftException unknown = assertThrows(PeftException.class, () -> peft.routeRows(List.of("nope")));
            assertTrue(unknown.getMessage().contains("'nope'"), unknown.getMessage());
            // a batch of its own works for any method, and equals the adapter active
            Prompt p = TinyBlips.prompts().get(1);
            for (String solo : List.of("prefix", "extras")) {
                float[] single = alone(peft, solo, s -> logits(tiny, peft.model(), List.of(p, p), s));
                float[] routed;
                try (RowRouting routing = peft.routeRows(List.of(solo, solo)); NDManager scope = NDManager.newBaseManager()) {
                    routed = logits(tiny, peft.model(), List.of(p, p), scope);
                }
                assertArrayEquals(single, routed, solo);
            }
            try (RowRouting routing = peft.routeRows(Arrays.asList("default", null))) {
                PeftException nested = assertThrows(PeftException.class, () -> peft.setActiveAdapter("ia3"));
                assertTrue(nested.getMessage().contains("while rows are routed"), nested.getMessage());
            }
            peft.setActiveAdapter("ia3");
        }
    }
}
