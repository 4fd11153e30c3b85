package dev.mmpeft.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.eval.caption.CaptionMetrics;
import dev.mmpeft.eval.caption.CaptionScores;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One call from a format name and a predictions file to the printed score, for each open format,
 * with hand-computed numbers.
 */
class ScoresTest {
    @TempDir Path dir;

    private Path file(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        AtomicFiles.writeString(p, content);
        return p;
    }

    @Test
    void textVqaFromTheEvalAiList() throws IOException {
        List<MultimodalExample> val = List.of(TextVqaAccuracyTest.question("34602", TextVqaAccuracyTest.CAMERA),
                TextVqaAccuracyTest.question("34603", TextVqaAccuracyTest.TIME));
        Path preds = file("textvqa.json", "[{\"question_id\": 34602, \"answer\": \"Dakota\"}, {\"question_id\": 34603,"
                + " \"answer\": \"two ten\"}]");
        EvaluationResult r = Scores.score("textvqa", val, preds);
        assertEquals("accuracy: 65.00\n", Scores.summary(r).replace(System.lineSeparator(), "\n")); // (1.0 + 0.3) / 2
        Path jsonl = file("textvqa.jsonl", "{\"question_id\": 34602, \"answer\": \"nikon\"}\n");
        assertEquals("accuracy: 0.00\n", Scores.summary(Scores.score("textvqa", val, jsonl)).replace(System.lineSeparator(), "\n"));
    }

    @Test
    void okVqaUsesTheVqaV2Accuracy() throws IOException {
        List<MultimodalExample> val = List.of(
                TextVqaAccuracyTest.question("1925", List.of("10", "10", "10", "10", "20", "20", "twenty", "15", "15", "10")),
                TextVqaAccuracyTest.question("2971475", List.of("race", "race", "race", "race", "race", "race", "motocross",
                        "motocross", "ride", "ride")));
        Path preds = file("okvqa.jsonl", "{\"question_id\": 1925, \"answer\": \"Ten\"}\n{\"question_id\": 2971475, \"answer\": \"motocross\"}\n");
        EvaluationResult r = Scores.score("okvqa", val, preds);
        // "Ten" -> "10": five humans -> 1; "motocross": two humans -> (2 * 1/3 + 8 * 2/3) / 10 = 0.6
        assertEquals("okvqa", r.evaluator());
        assertEquals("vqa-accuracy", r.metric());
        assertEquals("accuracy: 80.00\n", Scores.summary(r).replace(System.lineSeparator(), "\n"));
    }

    @Test
    void aOkVqaLeaderboardFile() throws IOException {
        Path board = file("aokvqa.json", "{\"m\": {\"multiple_choice\": \"cigarette\", \"direct_answer\": \"smoke\"},"
                + " \"c\": {\"multiple_choice\": \"delivery\", \"direct_answer\": \"cab\"}}");
        EvaluationResult r = Scores.score("aokvqa", AOkVqaEvaluatorTest.EXAMPLES, board);
        // MC: m right, b unanswered, c wrong: 1/3; DA (m, c): smoke 1/3, cab 2/3 -> 1/2
        assertEquals("accuracy: 50.00\nMC accuracy: 33.33\nDA accuracy: 50.00\n", Scores.summary(r).replace(System.lineSeparator(), "\n"));
    }

    @Test
    void captionsPrintCiderAndRougeAsPetalsTable() throws IOException {
        MultimodalExample sweep = MultimodalExample.builder().id("1007129816").split("test").question("")
                .answers(List.of("A man sweeps the street.", "A worker cleans.")).putMetadata("imgid", "3").build();
        MultimodalExample dogs = MultimodalExample.builder().id("1001773457").split("test").question("")
                .answers(List.of("Two dogs play.", "Dogs playing.")).putMetadata("imgid", "2").build();
        Path preds = file("caps.json", "[{\"image_id\": 3, \"caption\": \"A man sweeps.\"}, {\"image_id\": 1001773457,"
                + " \"caption\": \"two dogs play\"}]");
        EvaluationResult r = Scores.score("flickr30k", List.of(sweep, dogs), preds);
        // after PTB tokenisation: "a man sweeps" vs "a man sweeps the street": P 1, R 3/5 (ROUGE-1 and ROUGE-L alike),
        // F1 0.75; "two dogs play" equals a reference: 1. Means: F1 0.875, recall 0.8.
        Map<String, List<String>> refs = new LinkedHashMap<>();
        refs.put("1007129816", sweep.answers());
        refs.put("1001773457", dogs.answers());
        CaptionScores direct = CaptionMetrics.evaluate(refs, Map.of("1007129816", "A man sweeps.", "1001773457", "two dogs play"));
        String expected = String.format(java.util.Locale.ROOT,
                "CIDEr: %.2f\nROUGE-1 F1: 87.50\nROUGE-1 recall: 80.00\nROUGE-L F1: 87.50\nROUGE-L recall: 80.00\n", direct.cider() * 100);
        assertEquals(expected, Scores.summary(r).replace(System.lineSeparator(), "\n"));
        assertTrue(direct.cider() > 0);
        assertEquals(0.875, r.breakdown().get("ROUGE_L_F1"), 1e-12);
        // ROUGE_L keeps pycocoevalcap's beta 1.2: for the first caption (1.44 + 1) * 1 * 0.6 / (0.6 + 1.44) = 0.7176...
        assertEquals((2.44 * 0.6 / 2.04 + 1) / 2, r.breakdown().get("ROUGE_L"), 1e-12);
        assertEquals(r.headline(), direct.cider(), 1e-12);
    }

    @Test
    void wrongIdsOrUnknownFormatFailClearly() throws IOException {
        Path preds = file("p.jsonl", "{\"question_id\": 5, \"answer\": \"x\"}\n");
        List<MultimodalExample> val = List.of(TextVqaAccuracyTest.question("34602", TextVqaAccuracyTest.CAMERA));
        EvaluationException e = assertThrows(EvaluationException.class, () -> Scores.score("textvqa", val, preds));
        assertTrue(e.getMessage().contains("p.jsonl: none of its 1 predictions answers one of the 1 textvqa examples"
                + " (expected ids such as 34602)"), e.getMessage());
        e = assertThrows(EvaluationException.class, () -> Scores.score("vizwiz", val, preds));
        assertTrue(e.getMessage().contains("unknown evaluator 'vizwiz'"), e.getMessage());
        for (String name : List.of("okvqa", "aokvqa", "aokvqa-mc", "aokvqa-da", "textvqa", "flickr30k", "textcaps")) {
            assertTrue(Evaluators.names().contains(name), name + " in " + Evaluators.names());
        }
    }
}
