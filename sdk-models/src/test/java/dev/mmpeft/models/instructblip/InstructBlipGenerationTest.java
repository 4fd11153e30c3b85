package dev.mmpeft.models.instructblip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.engine.Engine;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.instructblip.testing.TinyInstructBlip;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Generation, layouts and gradients of tiny random models of both families. */
class InstructBlipGenerationTest {
    static final int Q = 4;

    static NDArray pixels(NDManager m, int batch) {
        float[] px = new float[batch * 3 * 28 * 28];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) Math.sin(i * 0.11 + (i / 2352) * 1.7);
        }
        return m.create(px, new Shape(batch, 3, 28, 28));
    }

    /** Two prompts: "what is in the image" / "color", T5 (right-padded) or LLaMA (left-padded, with BOS) ids. */
    static InstructBlipInputs inputs(NDManager m, boolean t5, Integer imageToken) {
        long[][] text = t5 ? new long[][] {{3, 4, 5, 6, 7, 1}, {23, 8, 1, 0, 0, 0}} : new long[][] {{1, 3, 4, 5, 6, 7}, {44, 44, 44, 1, 23, 8}};
        long[][] mask = t5 ? new long[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0}} : new long[][] {{1, 1, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 1}};
        int extra = imageToken == null ? 0 : Q;
        long[] ids = new long[2 * (6 + extra)];
        long[] am = new long[ids.length];
        for (int b = 0; b < 2; b++) {
            // placeholders go right before the first real token (after left padding)
            int start = t5 ? 0 : (int) (6 - java.util.Arrays.stream(mask[b]).sum());
            int o = b * (6 + extra);
            int k = 0;
            for (int i = 0; i < 6; i++) {
                if (i == start) {
                    for (int j = 0; j < extra; j++) {
                        ids[o + k] = imageToken;
                        am[o + k++] = 1;
                    }
                }
                ids[o + k] = text[b][i];
                am[o + k++] = mask[b][i];
            }
        }
        return batchOfTwo(m, ids, am);
    }

    /** Two images and Q-Former instructions ("what is in the image" / "color") with these prompt ids and mask. */
    static InstructBlipInputs batchOfTwo(NDManager m, long[] ids, long[] am) {
        return InstructBlipInputs.builder()
                .pixelValues(pixels(m, 2))
                .qformerInputIds(m.create(new long[] {2, 7, 9, 3, 2, 8, 3, 0}, new Shape(2, 4)))
                .qformerAttentionMask(m.create(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, new Shape(2, 4)))
                .inputIds(m.create(ids, new Shape(2, ids.length / 2)))
                .attentionMask(m.create(am, new Shape(2, ids.length / 2)))
                .build();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void greedyEqualsOneBeamAndBatchEqualsSingles(boolean t5) {
        try (InstructBlip model = InstructBlip.random(TinyInstructBlip.config(t5, false), 21, 0.3f);
                NDManager m = NDManager.newBaseManager()) {
            InstructBlipInputs in = inputs(m, t5, null);
            GenerationResult greedy = model.generate(in, GenerationConfig.greedy(5));
            GenerationResult oneBeam = model.generate(in, GenerationConfig.beams(1, 5));
            GenerationResult beams = model.generate(in,
                    GenerationConfig.builder().numBeams(2).numReturnSequences(2).maxNewTokens(5).build());
            assertEquals(2, greedy.size());
            assertEquals(4, beams.size());
            for (int i = 0; i < 2; i++) {
                assertTrue(greedy.tokens(i).length >= 1 && greedy.tokens(i).length <= 5);
                assertArrayEquals(greedy.tokens(i), oneBeam.tokens(i));
                assertEquals(greedy.score(i), oneBeam.score(i), 1e-5);
                // hypotheses come best first, with log-probability scores
                for (int j = 0; j < 2; j++) {
                    float sc = beams.score(i * 2 + j);
                    assertTrue(Float.isFinite(sc) && sc <= 0, "score " + sc);
                    if (j > 0) {
                        assertTrue(sc <= beams.score(i * 2 + j - 1) + 1e-6);
                    }
                }
            }
            // generating each example alone gives the same tokens as the (padded) batch
            for (int b = 0; b < 2; b++) {
                InstructBlipInputs one = InstructBlipInputs.builder()
                        .pixelValues(in.pixelValues().get(new NDIndex("{}:{}", b, b + 1)))
                        .qformerInputIds(in.qformerInputIds().get(new NDIndex("{}:{}", b, b + 1)))
                        .qformerAttentionMask(in.qformerAttentionMask().orElseThrow().get(new NDIndex("{}:{}", b, b + 1)))
                        .inputIds(in.inputIds().get(new NDIndex("{}:{}", b, b + 1)))
                        .attentionMask(in.attentionMask().orElseThrow().get(new NDIndex("{}:{}", b, b + 1)))
                        .build();
                assertArrayEquals(greedy.tokens(b), model.generate(one, GenerationConfig.greedy(5)).tokens(0), "example " + b);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void placeholderAndConcatenationLayoutsAgree(boolean t5) throws Exception {
        InstructBlipConfig legacy = TinyInstructBlip.config(t5, false);
        InstructBlipConfig placeholders = TinyInstructBlip.config(t5, true);
        int imageToken = placeholders.imageTokenId().orElseThrow();
        try (InstructBlip a = InstructBlip.random(legacy, 33, 0.3f);
                NDManager m = NDManager.newBaseManager()) {
            InstructBlip b = sameWeights(a, placeholders);
            InstructBlipInputs concat = inputs(m, t5, null);
            InstructBlipInputs scatter = inputs(m, t5, imageToken);
            // the placeholder layout puts the queries right where the concatenation does
            GenerationResult ga = a.generate(concat, GenerationConfig.greedy(4));
            GenerationResult gb = b.generate(scatter, GenerationConfig.greedy(4));
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(ga.tokens(i), gb.tokens(i), "example " + i);
                assertEquals(ga.score(i), gb.score(i), 1e-5);
            }
            // a config with image_token_id but ids without placeholders falls back to concatenation
            assertArrayEquals(ga.tokens(0), b.generate(concat, GenerationConfig.greedy(4)).tokens(0));
            // placeholders in only one row is an error naming the input
            NDArray bad = scatter.inputIds().duplicate();
            bad.set(new NDIndex("1, :"), 5);
            MmpeftException e = org.junit.jupiter.api.Assertions.assertThrows(MmpeftException.class,
                    () -> b.forward(ImmutableInstructBlipInputs.copyOf(scatter).withInputIds(bad).withLabels(m.create(new long[] {5, 6}, new Shape(2, 1)))));
            assertTrue(e.getMessage().startsWith("input_ids:"), e.getMessage());
        }
    }

    private static InstructBlip sameWeights(InstructBlip source, InstructBlipConfig config) {
        InstructBlip copy = InstructBlip.fromConfig(config);
        Map<String, Parameter> from = source.namedParameters();
        copy.namedParameters().forEach((k, p) -> p.setArray(from.get(k).getArray()));
        return copy;
    }

    @Test
    void lossGradientsReachEveryPart() {
        try (InstructBlip model = InstructBlip.random(TinyInstructBlip.config(true, false), 5, 0.3f);
                NDManager m = NDManager.newBaseManager()) {
            for (Parameter p : model.namedParameters().values()) {
                p.getArray().setRequiresGradient(true);
            }
            InstructBlipInputs in = ImmutableInstructBlipInputs.copyOf(inputs(m, true, null))
                    .withLabels(m.create(new long[] {9, 10, 1, 12, 1, -100}, new Shape(2, 3)));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = model.forward(in).loss().orElseThrow();
                assertTrue(Float.isFinite(loss.getFloat()));
                gc.backward(loss);
            }
            for (String name : new String[] {
                "query_tokens",
                "vision_model.embeddings.patch_embedding.weight",
                "vision_model.encoder.layers.0.self_attn.qkv.weight",
                "qformer.encoder.layer.0.crossattention.attention.key.weight",
                "qformer.encoder.layer.1.output_query.dense.weight",
                "qformer.embeddings.word_embeddings.weight",
                "language_projection.weight",
                "language_model.decoder.block.0.layer.2.DenseReluDense.wo.weight"
            }) {
                NDArray grad = model.namedParameters().get(name).getArray().getGradient();
                assertTrue(grad.abs().sum().getFloat() > 0, "no gradient for " + name);
            }
        }
    }
}
