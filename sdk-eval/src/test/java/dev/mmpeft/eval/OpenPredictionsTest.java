package dev.mmpeft.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prediction files of the open formats: server lists, caption results, A-OKVQA's leaderboard file, id matching. */
class OpenPredictionsTest {
    @TempDir Path dir;

    private Path file(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        AtomicFiles.writeString(p, content);
        return p;
    }

    @Test
    void evaluationServerListsAndCaptionResults() throws IOException {
        Predictions.Read vqa = Predictions.readWithFormat(file("vqa.json",
                "[{\"question_id\": 34602, \"answer\": \"dakota\"}, {\"question_id\": 34603, \"answer\": \"2:10\"}]"));
        assertEquals(Predictions.Format.LIST, vqa.format());
        assertEquals(List.of("34602", "34603"), List.copyOf(vqa.predictions().keySet()));
        assertEquals("2:10", vqa.predictions().get("34603").text().orElseThrow());
        Predictions.Read caps = Predictions.readWithFormat(file("caps.json",
                "[{\"image_id\": \"0a0bc91825468c45\", \"caption\": \"a clock tower\"}]"));
        assertEquals("a clock tower", caps.predictions().get("0a0bc91825468c45").text().orElseThrow());
        Predictions.Read jsonl = Predictions.readWithFormat(file("caps.jsonl",
                "{\"image_id\": 1007129816, \"caption\": \"a man sweeps\"}\n{\"image_id\": 1001773457, \"caption\": \"dogs\"}\n"));
        assertEquals(Predictions.Format.JSONL, jsonl.format());
        assertEquals("dogs", jsonl.predictions().get("1001773457").text().orElseThrow());
    }

    @Test
    void badListsNameTheEntry() throws IOException {
        Path noAnswer = file("a.json", "[{\"question_id\": 1, \"answer\": \"x\"}, {\"question_id\": 2, \"score\": 3}]");
        EvaluationException e = assertThrows(EvaluationException.class, () -> Predictions.read(noAnswer));
        assertTrue(e.getMessage().contains("a.json: [1]: field \"prediction\" is missing"), e.getMessage());
        Path twice = file("b.json", "[{\"question_id\": 1, \"answer\": \"x\"}, {\"question_id\": 1, \"answer\": \"y\"}]");
        e = assertThrows(EvaluationException.class, () -> Predictions.read(twice));
        assertTrue(e.getMessage().contains("b.json: [1]: id 1 appears twice"), e.getMessage());
        Path notObject = file("c.json", "[\"x\"]");
        e = assertThrows(EvaluationException.class, () -> Predictions.read(notObject));
        assertTrue(e.getMessage().contains("c.json: [0]: expected an object"), e.getMessage());
        e = assertThrows(EvaluationException.class, () -> Predictions.read(file("d.json", "[]")));
        assertTrue(e.getMessage().contains("d.json: the list holds no predictions"), e.getMessage());
        Path badBoard = file("e.json", "{\"q\": {\"multiple_choice\": 3}}");
        e = assertThrows(EvaluationException.class, () -> Predictions.read(badBoard));
        assertTrue(e.getMessage().contains("e.json: id q: field \"multiple_choice\" must be answer text, found NUMBER"), e.getMessage());
    }

    @Test
    void aOkVqaLeaderboardFileResolvesOptionsAgainstTheExamples() throws IOException {
        Path f = file("board.json", "{\"m\": {\"multiple_choice\": \"cigarette\", \"direct_answer\": \"smoke\"},"
                + " \"c\": {\"multiple_choice\": \"bus\", \"direct_answer\": \"cab\"}, \"x\": {\"multiple_choice\": \"food\"}}");
        Predictions.Read raw = Predictions.readWithFormat(f);
        assertEquals(Predictions.Format.PLAIN, raw.format());
        assertEquals(Map.of("m", "cigarette", "c", "bus", "x", "food"), raw.multipleChoice());
        assertEquals("smoke", raw.predictions().get("m").text().orElseThrow());
        assertEquals("food", raw.predictions().get("x").text().orElseThrow()); // no direct answer: the option text

        Map<String, Prediction> p = Predictions.readFor(f, AOkVqaEvaluatorTest.EXAMPLES);
        assertEquals(3, p.get("m").choiceIndex().getAsInt());
        assertEquals("smoke", p.get("m").text().orElseThrow());
        assertEquals(-1, p.get("c").choiceIndex().getAsInt()); // "bus" is none of c's options: wrong
        assertFalse(p.get("x").choiceIndex().isPresent()); // answers no example: kept as read
    }

    @Test
    void predictionsKeyedByAnotherNameOfAnExample() throws IOException {
        MultimodalExample sweep = MultimodalExample.builder().id("1007129816").split("test").question("")
                .answers(List.of("A man sweeps.")).putMetadata("imgid", "3").putMetadata("filename", "1007129816.jpg").build();
        MultimodalExample dogs = MultimodalExample.builder().id("1001773457").split("test").question("")
                .answers(List.of("Dogs playing.")).putMetadata("imgid", "2").putMetadata("filename", "1001773457.jpg").build();
        Path f = file("caps.json", "[{\"image_id\": 3, \"caption\": \"a man\"}, {\"image_id\": \"1001773457.jpg\", \"caption\": \"dogs\"},"
                + " {\"image_id\": 99, \"caption\": \"?\"}]");
        Map<String, Prediction> p = Predictions.readFor(f, List.of(sweep, dogs));
        assertEquals("a man", p.get("1007129816").text().orElseThrow());
        assertEquals("1007129816", p.get("1007129816").exampleId());
        assertEquals("dogs", p.get("1001773457").text().orElseThrow());
        assertEquals("?", p.get("99").text().orElseThrow());
        Path both = file("both.json", "[{\"image_id\": 3, \"caption\": \"a\"}, {\"image_id\": 1007129816, \"caption\": \"b\"}]");
        EvaluationException e = assertThrows(EvaluationException.class, () -> Predictions.readFor(both, List.of(sweep, dogs)));
        assertTrue(e.getMessage().contains("predictions 3 and 1007129816 both answer example 1007129816"), e.getMessage());
    }
}
