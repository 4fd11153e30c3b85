package dev.mmpeft.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictionsTest {
    @TempDir Path dir;

    private Path file(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        AtomicFiles.writeString(p, content);
        return p;
    }

    @Test
    void officialResultsFile() throws IOException {
        Path f = file("r.json", "{\"acc\": 50.0, \"results\": {\"4\": 1, \"5\": \"2\", \"6\": \"8,488\", \"7\": 2.0, \"8\": null}, \"args\": {}}");
        Predictions.Read r = Predictions.readWithFormat(f);
        assertEquals(Predictions.Format.RESULTS, r.format());
        Map<String, Prediction> p = r.predictions();
        assertEquals(List.of("4", "5", "6", "7", "8"), List.copyOf(p.keySet()));
        assertEquals(1, p.get("4").choiceIndex().getAsInt());
        assertEquals("1", p.get("4").text().orElseThrow()); // str(ans), as IconQA compares
        assertEquals(2, p.get("5").choiceIndex().getAsInt()); // int("2"), as ScienceQA reads it
        assertFalse(p.get("6").choiceIndex().isPresent());
        assertEquals("8,488", p.get("6").text().orElseThrow());
        assertEquals(2, p.get("7").choiceIndex().getAsInt());
        assertEquals("", p.get("8").text().orElseThrow());
    }

    @Test
    void plainObjectAndJsonLines() throws IOException {
        Map<String, Prediction> plain = Predictions.read(file("p.json", "{\"a\": \"(b) sample A\", \"b\": 0}"));
        assertEquals("(b) sample A", plain.get("a").text().orElseThrow());
        assertFalse(plain.get("a").choiceIndex().isPresent()); // text stays text outside official files
        assertEquals(0, plain.get("b").choiceIndex().getAsInt());

        Predictions.Read jl = Predictions.readWithFormat(file("p.jsonl",
                "{\"id\": \"x1\", \"prediction\": \"b\"}\n\n{\"id\": 17, \"prediction\": 3}\n"));
        assertEquals(Predictions.Format.JSONL, jl.format());
        assertEquals("b", jl.predictions().get("x1").text().orElseThrow());
        assertEquals(3, jl.predictions().get("17").choiceIndex().getAsInt());
        // A single JSON Lines record is still JSON Lines, not a plain object with pids "id" and "prediction".
        Predictions.Read one = Predictions.readWithFormat(file("one.jsonl", "{\"id\": \"q\", \"prediction\": \"yes\"}\n"));
        assertEquals(Predictions.Format.JSONL, one.format());
        assertEquals("yes", one.predictions().get("q").text().orElseThrow());
    }

    @Test
    void llavaStyleAnswerFiles() throws IOException {
        // LLaVA's model_vqa_science answer file: one object per line, question_id + generated text.
        Predictions.Read r = Predictions.readWithFormat(file("llava.jsonl",
                "{\"question_id\": \"5\", \"prompt\": \"...\", \"text\": \"B\", \"answer_id\": \"x\", \"model_id\": \"m\", \"metadata\": {}}\n"
                        + "{\"question_id\": \"11\", \"prompt\": \"...\", \"text\": \"The answer is A.\", \"metadata\": {}}\n"));
        assertEquals(Predictions.Format.JSONL, r.format());
        assertEquals("B", r.predictions().get("5").text().orElseThrow());
        assertEquals("The answer is A.", r.predictions().get("11").text().orElseThrow());
        // A single such line is JSON Lines too, not a plain object keyed "question_id", "prompt", ...
        Predictions.Read one = Predictions.readWithFormat(file("one-llava.jsonl", "{\"question_id\": 7, \"text\": \"C\", \"prompt\": \"q\"}"));
        assertEquals(Predictions.Format.JSONL, one.format());
        assertEquals(List.of("7"), List.copyOf(one.predictions().keySet()));
    }

    @Test
    void badFilesNameFileLineAndField() throws IOException {
        assertMessage(dir.resolve("missing.json"), "missing.json", "not found");
        assertMessage(file("empty.json", "  \n"), "empty.json", "empty");
        assertMessage(file("arr.json", "[1, 2]"), "arr.json: [0]", "expected an object");
        assertMessage(file("str.json", "\"yes\""), "str.json", "found STRING");
        assertMessage(file("res.json", "{\"results\": [1]}"), "res.json", "\"results\" must be an object");
        assertMessage(file("obj.json", "{\"4\": {\"a\": 1}}"), "obj.json", "id 4");
        assertMessage(file("l.jsonl", "{\"id\": \"a\", \"prediction\": 1}\n{\"id\": \"b\", \"guess\": 1}\n"), "line 2", "\"prediction\" is missing");
        assertMessage(file("l2.jsonl", "{\"id\": \"a\", \"prediction\": 1}\n{oops\n"), "line 2", "invalid JSON");
        assertMessage(file("l3.jsonl", "{\"id\": \"a\", \"prediction\": 1}\n{\"id\": \"a\", \"prediction\": 2}\n"), "line 2", "appears twice");
        assertMessage(file("l4.jsonl", "{\"id\": [1], \"prediction\": 1}\n{\"id\": \"b\", \"prediction\": 2}\n"), "line 1", "\"id\" must be");
    }

    private static void assertMessage(Path f, String... parts) {
        EvaluationException e = assertThrows(EvaluationException.class, () -> Predictions.read(f));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + part + "' not in: " + e.getMessage());
        }
        assertTrue(e.getMessage().contains(f.getFileName().toString()), e.getMessage());
    }
}
