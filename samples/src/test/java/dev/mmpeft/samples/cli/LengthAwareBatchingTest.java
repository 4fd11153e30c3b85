package dev.mmpeft.samples.cli;

import static dev.mmpeft.samples.cli.CliRunner.shared;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.internal.DataOrder;
import dev.mmpeft.core.train.internal.EpochOrders;
import dev.mmpeft.core.train.internal.LengthBatching;
import dev.mmpeft.datasets.MissingImages;
import dev.mmpeft.datasets.ScienceQa;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.samples.bench.BenchEpochs;
import dev.mmpeft.samples.quickstart.DefaultModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Length-aware batching on the shared ScienceQA sample with the embedded default model's
 * tokenizer: the lengths the model reports are the ones its batches are padded by; per-batch
 * padding with transformers' length grouping wastes at least 20% fewer positions than padding to
 * the global longest prompt (its megabatches are only 4 batches on 150 prompts, and most prompts hit
 * the 128-token limit), and length buckets ({@code --batching bucketed}) at least 30% fewer.
 */
class LengthAwareBatchingTest {
    @Test
    void lengthAwareBatchesSaveOver30PercentOfThePaddingOnScienceQa() {
        Path dir = DefaultModel.directory();
        // every record of the sample (150; only the test images ship, and lengths need the text only)
        Path root = shared("data/scienceqa-sample");
        List<Prompt> prompts = DefaultModel.TEMPLATE.renderAll(ScienceQa.reader().root(root).missingImages(MissingImages.KEEP).readAll());
        List<Prompt> withImages = DefaultModel.TEMPLATE.renderAll(ScienceQa.reader().root(root).split("test").imagesOnly(true).readAll());
        InstructBlipConfig config = Configs.read(dir, InstructBlipConfig.class);
        try (InstructBlip model = InstructBlip.load(dir);
                InstructBlipProcessor processor = InstructBlipProcessor.load(dir, config);
                PeftModel<InstructBlip> peft = Peft.lora().rank(2).alpha(4).targetRegex(BenchEpochs.QFORMER_TARGETS)
                        .on(model, processor, "default")) {
            int n = prompts.size();
            int[] lengths = new int[n];
            for (int i = 0; i < n; i++) {
                lengths[i] = peft.tokenLength(prompts.get(i)).orElseThrow();
            }
            // the reported lengths are what the processor pads: width = the longest, mask rows = the lengths
            try (NDManager m = NDManager.newBaseManager()) {
                InstructBlipInputs in = processor.trainingInputs(withImages.subList(0, 8), m);
                int max = 0;
                long[] expected = new long[8];
                for (int i = 0; i < 8; i++) {
                    expected[i] = peft.tokenLength(withImages.get(i)).orElseThrow();
                    max = Math.max(max, (int) expected[i]);
                }
                assertEquals(max, in.inputIds().getShape().get(1));
                assertArrayEquals(expected, in.attentionMask().orElseThrow().sum(new int[] {1}).toLongArray());
            }

            int batch = 8;
            long[] global = LengthBatching.globalPadding(lengths);
            long[] perBatch = LengthBatching.padding(DataOrder.epochOrder(n, 42, 0, true), lengths, batch);
            EpochOrders<Prompt> orders = new EpochOrders<>(
                    Trainer.builder().batchSize(batch).seed(42).groupByLength(true).build(), peft, prompts);
            int[] grouped = orders.order(0);
            long[] groupedPadding = LengthBatching.padding(grouped, lengths, batch);
            EpochOrders<Prompt> bucketOrders = new EpochOrders<>(
                    Trainer.builder().batchSize(batch).seed(42).bucketByLength(true).build(), peft, prompts);
            int[] bucketed = bucketOrders.order(0);
            long[] bucketPadding = LengthBatching.padding(bucketed, lengths, batch);
            System.out.printf(Locale.ROOT, "bucketed: %d padded (%.1f%% fewer than global)%n", bucketPadding[1],
                    100.0 * (global[1] - bucketPadding[1]) / global[1]);
            int longest = java.util.Arrays.stream(lengths).max().orElse(0);
            System.out.printf(Locale.ROOT, "%d of them at the longest; ", java.util.Arrays.stream(lengths).filter(l -> l == longest).count());
            System.out.printf(Locale.ROOT, "ScienceQA sample (%d prompts, %d..%d tokens): padded positions global %d,"
                            + " per batch %d, per batch grouped by length %d (%.1f%% fewer than global), ratio %.3f%n",
                    n, java.util.Arrays.stream(lengths).min().orElse(0), java.util.Arrays.stream(lengths).max().orElse(0),
                    global[1], perBatch[1], groupedPadding[1], 100.0 * (global[1] - groupedPadding[1]) / global[1],
                    orders.lastPaddingRatio());
            assertEquals(global[0], groupedPadding[0]); // the same examples, every one once
            assertEquals(n, java.util.Arrays.stream(grouped).distinct().count());
            // the issue asks for >= 30% fewer; with this tokenizer most prompts reach the 128-token truncation
            // limit, so every batch of 8 holds a 128-token prompt and grouping saves 20.6% (docs/benchmarks.md)
            assertTrue(groupedPadding[1] <= 0.8 * global[1], "grouped " + groupedPadding[1] + " vs global " + global[1]);
            assertTrue(perBatch[1] <= global[1]);
            // the 30%: length buckets (measured 79.5% fewer: 391 against 1,911 positions)
            assertTrue(bucketPadding[1] <= 0.7 * global[1], "bucketed " + bucketPadding[1] + " vs global " + global[1]);
            assertEquals(n, java.util.Arrays.stream(bucketed).distinct().count());
            assertEquals((double) bucketPadding[1] / (bucketPadding[0] + bucketPadding[1]), bucketOrders.lastPaddingRatio(), 1e-12);
            assertEquals((double) groupedPadding[1] / (groupedPadding[0] + groupedPadding[1]), orders.lastPaddingRatio(), 1e-12);
        }
    }

    @Test
    void bucketsAreSortedBatchesInASeededOrderLongestFirst() {
        int[] lengths = {5, 1, 9, 3, 7, 2, 8, 4, 6, 10};
        int[] shuffled = {3, 0, 8, 1, 9, 2, 4, 6, 5, 7};
        int[] a = LengthBatching.bucketByLength(shuffled, lengths, 3, 11);
        assertArrayEquals(a, LengthBatching.bucketByLength(shuffled, lengths, 3, 11), "a pure function of its seed");
        // sorted longest first: batches {9,2,6} {4,8,0} {7,3,5} {1}; the first and the short last one stay, the
        // full ones between in the seed's order
        assertArrayEquals(new int[] {9, 2, 6}, java.util.Arrays.copyOf(a, 3));
        java.util.Set<java.util.List<Integer>> batches = new java.util.HashSet<>();
        for (int from = 0; from < a.length; from += 3) {
            java.util.List<Integer> b = new java.util.ArrayList<>();
            for (int i = from; i < Math.min(a.length, from + 3); i++) {
                b.add(a[i]);
            }
            batches.add(b);
        }
        assertEquals(java.util.Set.of(java.util.List.of(9, 2, 6), java.util.List.of(4, 8, 0), java.util.List.of(7, 3, 5),
                java.util.List.of(1)), batches);
        // 1 + 2 per full batch (lengths n, n-1, n-2), none in the last; the shuffled order pads 4 + 10 + 7
        assertEquals(9, LengthBatching.padding(a, lengths, 3)[1]);
        assertEquals(21, LengthBatching.padding(shuffled, lengths, 3)[1]);
        assertThrows(dev.mmpeft.core.train.TrainingException.class,
                () -> Trainer.builder().groupByLength(true).bucketByLength(true).build());
    }

    @Test
    void groupByLengthFollowsTransformersMegabatches() {
        // 16 examples, batch 2: megabatch = min(16 / 8, 50) = 2 batches = 4 examples, sorted longest first,
        // then the longest megabatch's head swapped to the front
        int[] lengths = {5, 1, 9, 3, 7, 2, 8, 4, 6, 10, 11, 12, 13, 14, 15, 16};
        int[] shuffled = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        int[] out = LengthBatching.groupByLength(shuffled, lengths, 2);
        assertArrayEquals(new int[] {15, 0, 3, 1, 6, 4, 7, 5, 11, 10, 9, 8, 2, 14, 13, 12}, out);
    }
}
