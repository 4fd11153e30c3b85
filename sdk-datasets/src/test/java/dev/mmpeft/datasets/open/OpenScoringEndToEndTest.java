package dev.mmpeft.datasets.open;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.datasets.CaptionExamples;
import dev.mmpeft.datasets.DatasetReaders;
import dev.mmpeft.eval.Scores;
import dev.mmpeft.eval.caption.CaptionMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixtures read by their readers and scored from a predictions file with the format's official
 * metric, the path of {@code score --format F --data DIR --predictions FILE}: one line each from
 * format name to printed result, with hand-computed numbers.
 */
class OpenScoringEndToEndTest {
    @TempDir Path tmp;

    private String score(String format, String split, String predictions) throws IOException {
        return score(format, DatasetReaders.forFormat(format).root(OpenReadersTest.OPEN.resolve(format)).split(split).readAll(),
                predictions);
    }

    private String score(String format, List<MultimodalExample> examples, String predictions) throws IOException {
        Path file = tmp.resolve(format + (predictions.startsWith("{\"question_id\"") ? ".jsonl" : ".json"));
        AtomicFiles.writeString(file, predictions);
        EvaluationResult r = Scores.score(format, examples, file);
        return Scores.summary(r).replace(System.lineSeparator(), "\n");
    }

    @Test
    void textVqaVal() throws IOException {
        // "Dakota": 5 of the humans -> 1; "two ten": one human ("two ten" -> "2 10") -> 0.3
        assertEquals("accuracy: 65.00\n", score("textvqa", "val",
                "[{\"question_id\": 34602, \"answer\": \"Dakota\"}, {\"question_id\": 34603, \"answer\": \"two ten\"}]"));
    }

    @Test
    void okVqaVal() throws IOException {
        // motocross: 2 humans -> 0.6; "Shrek": ten identical humans "shrek" -> 1; "Ten" -> "10": 5 humans -> 1
        assertEquals("accuracy: 86.67\n", score("okvqa", "val", "{\"question_id\": 2971475, \"answer\": \"motocross\"}\n"
                + "{\"question_id\": 3932255, \"answer\": \"Shrek\"}\n{\"question_id\": 1925, \"answer\": \"Ten\"}\n"));
    }

    @Test
    void aOkVqaValLeaderboardFile() throws IOException {
        // MC: both right; DA: only the first question counts (the second is difficult): "smoke" 1 match -> 1/3
        assertEquals("accuracy: 33.33\nMC accuracy: 100.00\nDA accuracy: 33.33\n", score("aokvqa", "val",
                "{\"22jbM6gDxdaMaunuzgrsBB\": {\"multiple_choice\": \"cigarette\", \"direct_answer\": \"smoke\"},"
                        + " \"2BPvdGSNdXLGXpJxiEzBMY\": {\"multiple_choice\": \"thirty\", \"direct_answer\": \"30\"}}"));
    }

    @Test
    void captionsOfEveryImageCopiedFromAReference() throws IOException {
        // Flickr30K, all four images (one per image), predictions keyed by Karpathy imgid or file name; each is
        // its image's first reference, so ROUGE-1 and ROUGE-L are 1 for every image
        List<MultimodalExample> images = DatasetReaders.forFormat("flickr30k").root(OpenReadersTest.OPEN.resolve("flickr30k"))
                .captionExamples(CaptionExamples.PER_IMAGE).readAll();
        assertEquals(4, images.size());
        StringBuilder preds = new StringBuilder("[");
        Map<String, List<String>> refs = new LinkedHashMap<>();
        Map<String, String> cands = new LinkedHashMap<>();
        for (int i = 0; i < images.size(); i++) {
            MultimodalExample e = images.get(i);
            String key = i % 2 == 0 ? e.meta("imgid").orElseThrow() : "\"" + e.meta("filename").orElseThrow() + "\"";
            preds.append(i == 0 ? "" : ", ").append("{\"image_id\": ").append(key).append(", \"caption\": \"")
                    .append(e.answers().get(0)).append("\"}");
            refs.put(e.id(), e.answers());
            cands.put(e.id(), e.answers().get(0));
        }
        String summary = score("flickr30k", images, preds.append("]").toString());
        double cider = CaptionMetrics.evaluate(refs, cands).cider();
        assertTrue(cider > 1, "a copied reference scores high: " + cider);
        assertEquals(String.format(java.util.Locale.ROOT, "CIDEr: %.2f\n", cider * 100)
                + "ROUGE-1 F1: 100.00\nROUGE-1 recall: 100.00\nROUGE-L F1: 100.00\nROUGE-L recall: 100.00\n", summary);
    }

    @Test
    void textCapsValOneCaptionPerImage() throws IOException {
        // "a clock tower" against "A clock tower showing ten past two." (tokens "a clock tower showing ten past two"):
        // ROUGE-1 with that reference: P 1, R 3/7, F1 0.6; the other references score lower F1
        String summary = score("textcaps", "val", "[{\"image_id\": \"0a0bc91825468c45\", \"caption\": \"a clock tower\"}]");
        assertTrue(summary.contains("ROUGE-1 F1: 60.00\nROUGE-1 recall: 42.86\n"), summary);
        assertTrue(summary.startsWith("CIDEr: "), summary);
    }
}
