package dev.mmpeft.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.SyntheticRecord;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every built-in {@link DatasetReaderProvider} keeps, run against each on the same
 * synthetic records written in its layout: found by name, same examples as generated, split
 * selection, imagesOnly, once-only iteration, closing, and a clear error without a root.
 */
class DatasetReaderContractTest {
    private static final SyntheticDataset DATA = SyntheticDataset.builder().seed(21).train(9).val(3).test(6)
            .imageSize(24).textOnlyFraction(0.3).build();
    private static final Map<String, Path> ROOTS = new HashMap<>();

    @TempDir static Path tmp;

    @BeforeAll
    static void write() {
        Map<String, BiFunction<SyntheticDataset, Path, Path>> writers = Map.of(
                "scienceqa", SyntheticDataset::writeScienceQa,
                "iconqa", SyntheticDataset::writeIconQa,
                "jsonl", SyntheticDataset::writeJsonl);
        writers.forEach((format, w) -> ROOTS.put(format, w.apply(DATA, tmp.resolve(format))));
    }

    @Test
    void everyBuiltInFormatIsFound() {
        assertEquals(List.of("aokvqa", "flickr30k", "iconqa", "jsonl", "okvqa", "scienceqa", "textcaps", "textvqa"),
                DatasetReaders.formats());
        assertEquals("scienceqa", DatasetReaders.forFormat("ScienceQA").format());
        assertTrue(assertThrows(DatasetException.class, () -> DatasetReaders.forFormat("coco")).getMessage()
                .contains("unknown dataset format 'coco' (known: aokvqa, flickr30k, iconqa, jsonl, okvqa, scienceqa, textcaps, textvqa)"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"scienceqa", "iconqa", "jsonl"})
    void readsWhatWasGenerated(String format) {
        DatasetReader reader = DatasetReaders.forFormat(format).root(ROOTS.get(format));
        for (String split : List.of("train", "val", "test")) {
            List<MultimodalExample> got = reader.split(split).readAll();
            List<SyntheticRecord> want = DATA.records(split);
            boolean iconqa = format.equals("iconqa"); // IconQA records always have an image; pids are its own
            assertEquals(want.size(), got.size(), format + " " + split);
            for (int i = 0; i < want.size(); i++) {
                SyntheticRecord w = want.get(i);
                MultimodalExample e = got.get(i);
                assertEquals(split, e.split());
                assertEquals(w.question(), e.question());
                assertEquals(w.choices(), e.choices());
                assertEquals(w.answer(), e.answerIndex().getAsInt());
                if (!iconqa) {
                    assertEquals(w.pid(), e.id());
                    assertEquals(w.hasImage(), !e.images().isEmpty(), e.id());
                    assertEquals(w.hint(), e.context());
                    assertEquals(w.family().subject(), e.meta("subject").orElseThrow());
                    assertEquals(w.grade(), e.meta("grade").orElseThrow());
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scienceqa", "iconqa", "jsonl"})
    void streamsOnceReportsAndCloses(String format) {
        DatasetReader reader = DatasetReaders.forFormat(format).root(ROOTS.get(format)).imagesOnly(true);
        DatasetStream stream = reader.open();
        Iterator<MultimodalExample> it = stream.iterator();
        assertThrows(IllegalStateException.class, stream::iterator);
        int n = 0;
        while (it.hasNext()) {
            assertTrue(!it.next().images().isEmpty());
            n++;
        }
        long textOnly = List.of("train", "val", "test").stream().flatMap(s -> DATA.records(s).stream())
                .filter(r -> !r.hasImage()).count();
        long expected = format.equals("iconqa") ? 18 : 18 - textOnly;
        assertEquals(expected, n, format);
        assertEquals(n, stream.report().examples());
        assertEquals(18 - expected, stream.report().filtered());
        stream.close();
        stream.close(); // idempotent
        try (var s = reader.read()) {
            assertEquals(expected, s.count());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scienceqa", "iconqa", "jsonl", "flickr30k", "textcaps", "okvqa", "aokvqa", "textvqa"})
    void readerWithoutRootOrWithAWrongOneFailsClearly(String format) {
        assertTrue(assertThrows(DatasetException.class, () -> DatasetReaders.forFormat(format).readAll()).getMessage()
                .contains(format + " reader: no dataset root given"));
        DatasetException e = assertThrows(DatasetException.class,
                () -> DatasetReaders.forFormat(format).root(tmp.resolve("absent")).readAll());
        assertTrue(e.getMessage().contains("absent"), e.getMessage());
        assertTrue(e.file().isPresent());
    }
}
