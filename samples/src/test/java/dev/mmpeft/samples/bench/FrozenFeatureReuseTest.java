package dev.mmpeft.samples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.cache.FeatureCache;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.train.Autograd;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Reuse of the frozen prefix: training losses identical with the cache on and off through the
 * SDK's trainer, cache hits for repeated images, no reuse when the encoder trains, a new key when a
 * vision weight changes; the whole prefix's image features (vision, Q-Former, projection) reused
 * per image and instruction when only the language model is adapted and no dropout is active. On
 * the tiny InstructBLIP, so it takes seconds.
 */
class FrozenFeatureReuseTest {
    private static final InstructBlipConfig TINY = InstructBlipPresets.tiny(true, 40, 40, null);
    private static final String LLM_TARGETS = "language_model\\.(encoder|decoder)\\.block\\.\\d+\\.layer\\.0\\.SelfAttention\\.(q|v)";
    private static final BenchSettings SETTINGS = new BenchSettings(TINY, false, 2, 4, 1, 0, 2, 6, 3, 7, 256);

    @Test
    void trainingLossesAreIdenticalWithTheCacheOnAndOff() {
        // 3 epochs of 3 steps over 6 fixed examples, Q-Former LoRA, shuffled per epoch
        BenchEpochs.Run on = BenchEpochs.train(SETTINGS, 3, 6, true);
        BenchEpochs.Run off = BenchEpochs.train(SETTINGS, 3, 6, false);
        assertEquals(9, on.losses().size());
        assertEquals(3, on.epochSeconds().size());
        for (int i = 0; i < 9; i++) {
            assertEquals(off.losses().get(i), on.losses().get(i), 1e-6, "step " + (i + 1) + ": " + on.losses() + " vs " + off.losses());
        }
        // the run trains (different batches and updated adapters give different losses)
        assertNotEquals(on.losses().get(0), on.losses().get(8));
    }

    @Test
    void repeatedImagesHitTheCacheAndGiveTheSameLoss() {
        try (InstructBlip base = InstructBlip.random(TINY, 3, 0.02f);
                PeftModel<InstructBlip> peft = Peft.lora().rank(2).alpha(4).targetRegex(BenchEpochs.QFORMER_TARGETS).on(base);
                FeatureCache cache = FeatureCache.inMemory(1 << 20)) {
            BenchModel model = new BenchModel(peft.model(), peft.trainableParameters(), 6, 3, OptionalLong.of(1));
            model.setTraining(true);
            float plain = loss(model, List.of(0, 1));
            model.reuseFrozenFeatures(cache);
            float first = loss(model, List.of(0, 1));
            float again = loss(model, List.of(1, 0));
            float partly = loss(model, List.of(0, 2));
            FeatureCache.Stats s = cache.stats();
            assertEquals(3, s.hits(), s.toString()); // 1, 0, then 0
            assertEquals(3, s.misses(), s.toString()); // 0, 1, then 2
            assertEquals(3, s.memoryEntries());
            assertEquals(plain, first, 1e-6);
            model.reuseFrozenFeatures(null);
            assertEquals(loss(model, List.of(1, 0)), again, 1e-6);
            assertEquals(loss(model, List.of(0, 2)), partly, 1e-6);

            // a changed vision weight is another model: the re-attached cache misses again
            base.visionModel().namedParameters().values().iterator().next().getArray().addi(0.5f);
            model.reuseFrozenFeatures(cache);
            loss(model, List.of(0, 1));
            assertEquals(3, cache.stats().hits());
            assertEquals(5, cache.stats().misses());
        }
    }

    @Test
    void aTrainableVisionEncoderIsNeverServedFromTheCache() {
        try (InstructBlip base = InstructBlip.random(TINY, 3, 0.02f);
                PeftModel<InstructBlip> peft = Peft.lora().rank(2).alpha(4)
                        .targetRegex("vision_model\\.encoder\\.layers\\.\\d+\\.self_attn\\.qkv").on(base);
                FeatureCache cache = FeatureCache.inMemory(1 << 20)) {
            BenchModel model = new BenchModel(peft.model(), peft.trainableParameters(), 6, 3, OptionalLong.of(1));
            model.setTraining(true);
            model.reuseFrozenFeatures(cache);
            loss(model, List.of(0, 1));
            loss(model, List.of(0, 1));
            assertEquals(0, cache.stats().hits() + cache.stats().misses());
            assertEquals(0, cache.stats().memoryEntries());
        }
    }

    @Test
    void withOnlyTheLanguageModelAdaptedEvaluationReusesTheWholeFrozenPrefix() {
        try (InstructBlip base = InstructBlip.random(TINY, 3, 0.02f);
                PeftModel<InstructBlip> peft = Peft.lora().rank(2).alpha(4).targetRegex(LLM_TARGETS).on(base);
                FeatureCache cache = FeatureCache.inMemory(1 << 20);
                NDManager manager = NDManager.newBaseManager()) {
            InstructBlip model = peft.model();
            model.setTraining(false);
            NDArray pixels = manager.randomNormal(new Shape(3, 3, 28, 28));
            NDArray ids = manager.create(new long[][] {{1, 5, 7, 0}, {1, 9, 0, 0}, {1, 5, 7, 0}});
            NDArray mask = manager.create(new long[][] {{1, 1, 1, 0}, {1, 1, 0, 0}, {1, 1, 1, 0}});
            NDArray plain = model.imageFeatures(pixels, ids, mask);
            model.reuseFrozenFeatures(cache);
            NDArray first = model.imageFeatures(pixels, ids, mask);
            // every row misses twice: its image features, then (computed for them) its vision features
            assertEquals(6, cache.stats().misses(), cache.stats().toString());
            assertEquals(0, cache.stats().hits());
            assertEquals(6, cache.stats().memoryEntries());
            assertEquals(0f, maxAbsDiff(plain, first), cache.stats().toString());

            // the same rows in another order: served at the image-feature level, the vision encoder not consulted
            int[] order = {2, 0, 1};
            NDArray again = model.imageFeatures(rows(pixels, order), rows(ids, order), rows(mask, order));
            assertEquals(3, cache.stats().hits());
            assertEquals(6, cache.stats().misses());
            assertEquals(0f, maxAbsDiff(rows(plain, order), again));

            // another instruction for a known image: a new image-feature entry over the cached vision features
            NDArray otherIds = manager.create(new long[][] {{1, 8, 8, 0}});
            NDArray other = model.imageFeatures(rows(pixels, new int[] {0}), otherIds, rows(mask, new int[] {0}));
            assertEquals(7, cache.stats().misses());
            assertEquals(4, cache.stats().hits());
            model.reuseFrozenFeatures(null);
            assertEquals(0f, maxAbsDiff(model.imageFeatures(rows(pixels, new int[] {0}), otherIds, rows(mask, new int[] {0})), other));
            assertTrue(maxAbsDiff(other, rows(plain, new int[] {0})) > 1e-6, "the instruction changes the features");
        }
    }

    @Test
    void inTrainingTheQFormerDropoutLeavesOnlyTheVisionLevel() {
        try (InstructBlip base = InstructBlip.random(TINY, 3, 0.02f);
                PeftModel<InstructBlip> peft = Peft.lora().rank(2).alpha(4).targetRegex(LLM_TARGETS).on(base);
                FeatureCache cache = FeatureCache.inMemory(1 << 20);
                NDManager manager = NDManager.newBaseManager()) {
            InstructBlip model = peft.model();
            assertTrue(TINY.qformerConfig().hiddenDropoutProb() > 0, "the test needs Q-Former dropout");
            model.setTraining(true);
            model.reuseFrozenFeatures(cache);
            NDArray pixels = manager.randomNormal(new Shape(2, 3, 28, 28));
            NDArray ids = manager.create(new long[][] {{1, 5}, {1, 9}});
            model.imageFeatures(pixels, ids, null);
            model.imageFeatures(pixels, ids, null);
            assertEquals(2, cache.stats().misses(), cache.stats().toString());
            assertEquals(2, cache.stats().hits());
            assertEquals(2, cache.stats().memoryEntries(), "vision features only");
        }
    }

    @Test
    void anAdaptedQFormerIsNeverServedFromTheImageLevel() {
        try (InstructBlip base = InstructBlip.random(TINY, 3, 0.02f);
                PeftModel<InstructBlip> peft = Peft.lora().rank(2).alpha(4).targetRegex(BenchEpochs.QFORMER_TARGETS).on(base);
                FeatureCache cache = FeatureCache.inMemory(1 << 20);
                NDManager manager = NDManager.newBaseManager()) {
            InstructBlip model = peft.model();
            model.setTraining(false);
            model.reuseFrozenFeatures(cache);
            NDArray pixels = manager.randomNormal(new Shape(2, 3, 28, 28));
            NDArray ids = manager.create(new long[][] {{1, 5}, {1, 9}});
            model.imageFeatures(pixels, ids, null);
            model.imageFeatures(pixels, ids, null);
            assertEquals(2, cache.stats().hits(), cache.stats().toString());
            assertEquals(2, cache.stats().memoryEntries(), "vision features only");
        }
    }

    private static NDArray rows(NDArray a, int[] order) {
        return a.get(a.getManager().create(java.util.Arrays.stream(order).mapToLong(i -> i).toArray()));
    }

    private static float maxAbsDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    private static float loss(BenchModel model, List<Integer> items) {
        // the same dropout draws for every call, as the trainer reseeds per micro-batch
        Engine.getInstance().setRandomSeed(5);
        try (NDManager scope = NDManager.newBaseManager(); Autograd.GradMode off = Autograd.gradMode(false)) {
            return model.loss(items, scope).getFloat();
        }
    }
}
