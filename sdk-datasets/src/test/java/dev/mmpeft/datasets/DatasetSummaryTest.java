package dev.mmpeft.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The dataset summary of the real ScienceQA sample in ../shared, checked against counts made here from the examples. */
class DatasetSummaryTest {
    private static final Path ROOT = SharedFiles.get("data/scienceqa-sample");

    @Test
    void countsTheRealScienceQaSampleAsTrainingReadsIt() {
        DatasetReader reader = ScienceQa.reader().root(ROOT).missingImages(MissingImages.KEEP);
        DatasetSummary s = DatasetSummary.of(reader, 2);
        List<MultimodalExample> all = reader.readAll();

        assertEquals("scienceqa", s.format());
        assertEquals(List.of("train", "val", "test"), List.copyOf(s.splits().keySet()));
        for (String split : List.of("train", "val", "test")) {
            List<MultimodalExample> in = all.stream().filter(e -> e.split().equals(split)).toList();
            DatasetSummary.SplitCounts c = s.splits().get(split);
            assertEquals(50, c.examples(), split);
            assertEquals(in.stream().filter(e -> !e.images().isEmpty()).count(), c.withImage(), split);
            assertEquals(in.stream().filter(e -> !e.context().isBlank()).count(), c.withHint(), split);
            assertEquals(in.stream().filter(e -> e.images().stream().anyMatch(p -> !Files.exists(p))).count(),
                    c.missingImages(), split);
        }
        // the sample ships test images only: 22 + 21 train and val records name an absent image
        assertEquals(new DatasetSummary.SplitCounts(150, s.total().withImage(), s.total().withHint(), 43), s.total());
        assertEquals(0, s.splits().get("test").missingImages());

        Map<String, Long> grades = all.stream().collect(Collectors.groupingBy(e -> e.meta("grade").orElseThrow(),
                () -> new TreeMap<>(DatasetSummary.GRADES), Collectors.counting()));
        assertEquals(grades, s.byGrade());
        assertEquals(List.copyOf(grades.keySet()), List.copyOf(s.byGrade().keySet()), "school order: grade2 before grade10");
        assertEquals(150L, s.bySubject().values().stream().mapToLong(Long::longValue).sum());
        assertEquals(List.of(all.get(0).id(), all.get(1).id()), s.firstExamples().stream().map(MultimodalExample::id).toList());
        assertEquals(0, s.skipped());
        assertEquals(0, s.filtered());
    }

    @Test
    void filtersAreCountedAndBadArgumentsRefused() {
        DatasetSummary test = DatasetSummary.of(ScienceQa.reader().root(ROOT).split("test").imagesOnly(true), 0);
        assertEquals(24, test.total().examples());
        assertEquals(26, test.filtered());
        assertTrue(test.firstExamples().isEmpty());
        List<String> order = new ArrayList<>(List.of("grade10", "kindergarten", "grade2", "prek", "other"));
        order.sort(DatasetSummary.GRADES);
        assertEquals(List.of("prek", "kindergarten", "grade2", "grade10", "other"), order);
        assertThrows(IllegalArgumentException.class, () -> DatasetSummary.of(ScienceQa.reader().root(ROOT), -1));
        assertThrows(DatasetException.class, () -> DatasetSummary.of(ScienceQa.reader().root(ROOT.resolve("nope")), 1));
    }
}
