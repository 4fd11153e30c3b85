package dev.mmpeft.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.datasets.TaskType;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PETAL's few-shot protocol (Table 3) and the open formats' defaults: a training limit draws that
 * many training examples with the seed (same seed, same subset; other splits untouched), and the
 * task type picks generation with LAVIS's lengths (10 new tokens for VQA, 30 for captions).
 */
class TaskDataTest {
    @TempDir static Path tmp;
    static Path vqa;
    static Path captions;

    @BeforeAll
    static void write() {
        SyntheticDataset d = SyntheticDataset.builder().seed(11).train(200).val(10).test(10).imageSize(16).build();
        vqa = d.writeTextVqa(tmp.resolve("textvqa"), false);
        captions = d.writeFlickr30k(tmp.resolve("flickr30k"), false);
    }

    private static List<String> ids(List<MultimodalExample> examples) {
        return examples.stream().map(MultimodalExample::id).toList();
    }

    @Test
    void aTrainingLimitDrawsASeededSubsetAndLeavesTheOtherSplits() {
        TaskData all = TaskData.of("textvqa", vqa);
        List<String> full = ids(all.examples("train"));
        assertEquals(200, full.size());
        for (int n : new int[] {50, 150}) {
            List<String> drawn = ids(all.withTrainLimit(n, 7).examples("train"));
            assertEquals(n, drawn.size());
            assertEquals(n, new HashSet<>(drawn).size(), "no example twice");
            assertTrue(full.containsAll(drawn));
            assertEquals(drawn, ids(all.withTrainLimit(n, 7).examples("train")), "the same seed draws the same subset");
            List<String> inFileOrder = full.stream().filter(Set.copyOf(drawn)::contains).toList();
            assertEquals(inFileOrder, drawn, "kept in file order");
        }
        assertNotEquals(ids(all.withTrainLimit(50, 7).examples("train")), ids(all.withTrainLimit(50, 8).examples("train")));
        assertEquals(ids(all.examples("val")), ids(all.withTrainLimit(50, 7).examples("val")));
        assertEquals(10, all.withTrainLimit(50, 7).examples("test").size());
        assertEquals(full, ids(all.withTrainLimit(500, 7).examples("train")), "a limit above the split keeps it whole");
        ExperimentException e = assertThrows(ExperimentException.class, () -> all.withTrainLimit(-1, 7));
        assertEquals("the training limit must be >= 0 (0: every training example), got -1", e.getMessage());
    }

    @Test
    void theTaskTypePicksGenerationWithLavissLengths() {
        TaskData open = TaskData.of("textvqa", vqa);
        assertEquals(TaskType.OPEN_VQA, open.taskType());
        assertEquals(10, open.generation().maxNewTokens());
        assertEquals(1, open.generation().numBeams());
        TaskData cap = TaskData.of("flickr30k", captions);
        assertEquals(TaskType.CAPTIONING, cap.taskType());
        assertEquals(30, cap.generation().maxNewTokens());
        assertEquals(10, cap.examples("test").size(), "one example per image outside training");
        assertEquals(5, cap.examples("test").get(0).answers().size(), "five reference captions");
        assertEquals(TaskType.MULTIPLE_CHOICE, TaskData.of("scienceqa", vqa).taskType());
    }
}
