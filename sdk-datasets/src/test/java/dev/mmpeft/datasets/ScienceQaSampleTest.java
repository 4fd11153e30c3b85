package dev.mmpeft.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The real ScienceQA sample in ../shared/data: counts, images, metadata, the pinned prompt of pid 1. */
class ScienceQaSampleTest {
    private static final Path ROOT = SharedFiles.get("data/scienceqa-sample");

    @Test
    void readsAll150RecordsWithSplitCounts50x3() {
        DatasetStream stream = ScienceQa.reader().root(ROOT).missingImages(MissingImages.KEEP).open();
        List<MultimodalExample> all;
        try (stream) {
            all = stream.stream().toList();
        }
        assertEquals(150, all.size());
        Map<String, Long> bySplit = all.stream().collect(Collectors.groupingBy(MultimodalExample::split, TreeMap::new,
                Collectors.counting()));
        assertEquals(Map.of("train", 50L, "val", 50L, "test", 50L), bySplit);
        // train and val images are not in the sample: 22 + 21 records name one, all kept and counted
        assertEquals(43, stream.report().missingImages());
        assertEquals(150, stream.report().examples());
        assertEquals(0, stream.report().skipped());
        // order: train, val, test, each in pid_splits order
        assertEquals("1", all.get(0).id());
        assertEquals("4", all.get(100).id());
    }

    @Test
    void everyTestImageResolvesAndImagesOnlyGives24() throws Exception {
        List<MultimodalExample> test = ScienceQa.reader().root(ROOT).split("test").readAll();
        assertEquals(50, test.size());
        long withImage = test.stream().filter(e -> !e.images().isEmpty()).count();
        assertEquals(24, withImage);
        for (MultimodalExample e : test) {
            for (Path p : e.images()) {
                assertTrue(Files.isRegularFile(p), p.toString());
                assertEquals(ROOT.resolve("images/test/" + e.id() + "/image.png").toAbsolutePath().normalize(), p);
            }
            assertEquals(e.meta("image").isPresent(), !e.images().isEmpty(), e.id());
        }
        try (DatasetStream s = ScienceQa.reader().root(ROOT).split("test").imagesOnly(true).open()) {
            List<MultimodalExample> img = s.stream().toList();
            assertEquals(24, img.size());
            assertEquals(26, s.report().filtered());
        }
        // 26 folders exist under images/test: two (133, 149) hold only choice images
        try (Stream<Path> dirs = Files.list(ROOT.resolve("images/test"))) {
            assertEquals(26, dirs.count());
        }
        MultimodalExample p149 = test.stream().filter(e -> e.id().equals("149")).findFirst().orElseThrow();
        assertTrue(p149.images().isEmpty());
        assertEquals(4, p149.choiceImages().size());
        assertTrue(p149.choiceImages().get(3).endsWith("images/test/149/choice_3.png"));
    }

    @Test
    void recordFieldsAndMetadata() {
        MultimodalExample pid5 = ScienceQa.reader().root(ROOT).split("test").readAll().stream()
                .filter(e -> e.id().equals("5")).findFirst().orElseThrow();
        assertEquals("test", pid5.split());
        assertEquals("Which of the following could Gordon's test show?", pid5.question());
        assertEquals(3, pid5.choices().size());
        assertTrue(pid5.answerIndex().isPresent());
        assertEquals(pid5.context(), pid5.meta("hint").orElseThrow());
        for (String f : List.of("task", "grade", "subject", "topic", "category", "skill", "lecture", "solution", "split",
                "image", "caption")) {
            assertTrue(pid5.meta(f).isPresent(), f);
        }
        assertEquals(List.of(pid5.meta("skill").orElseThrow()), pid5.skills());
    }

    @Test
    void promptOfPid1IsPinned() {
        MultimodalExample pid1 = ScienceQa.reader().root(ROOT).split("train").missingImages(MissingImages.KEEP)
                .readAll().get(0);
        assertEquals("1", pid1.id());
        Prompt p = ScienceQa.template().render(pid1);
        String expected = "Context: Maps have four cardinal directions, or main directions. Those directions are north,"
                + " south, east, and west.\nA compass rose is a set of arrows that point to the cardinal directions. A"
                + " compass rose usually shows only the first letter of each cardinal direction.\nThe north arrow points"
                + " to the North Pole. On most maps, north is at the top of the map. Question: Which of these states is"
                + " farthest north? Options: (a) West Virginia (b) Louisiana (c) Arizona (d) Oklahoma Answer:";
        assertEquals(expected, p.input());
        assertEquals(expected, p.instruction());
        assertEquals("(a) West Virginia", p.target().orElseThrow());
        assertEquals(List.of("(a) West Virginia", "(b) Louisiana", "(c) Arizona", "(d) Oklahoma"), p.candidates());
        assertEquals(0, p.answerIndex().getAsInt());
        assertEquals(List.of(ROOT.resolve("images/train/1/image.png").toAbsolutePath().normalize()), p.images());
    }

    @Test
    void partialDownloadFailsByDefaultNamingPidAndPath() {
        MissingImageException e = assertThrows(MissingImageException.class,
                () -> ScienceQa.reader().root(ROOT).split("train").readAll());
        assertTrue(e.getMessage().contains("problems.json: pid 1: field 'image'"), e.getMessage());
        assertTrue(e.getMessage().contains("images/train/1/image.png"), e.getMessage());

        try (DatasetStream s = ScienceQa.reader().root(ROOT).split("train").missingImages(MissingImages.SKIP).open()) {
            assertEquals(28, s.stream().count());
            assertEquals(22, s.report().skipped());
            assertEquals(Map.of("missing image", 22L), s.report().skippedByReason());
        }
    }
}
