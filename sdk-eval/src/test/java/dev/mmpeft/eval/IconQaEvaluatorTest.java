package dev.mmpeft.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.core.io.AtomicFiles;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IconQaEvaluatorTest {
    /**
     * The paper's released Patch-TRM result files (lupantech/IconQA results/*), restricted to the 70
     * pids of ../shared/data/iconqa-sample, scored as tools/sub_acc.py does. Counted by hand against
     * the data.json answers: choose_img 9/10 (pid 52 predicted 1, answer 2); fill_in_blank 6/10
     * (20: "8,488" vs "7,364", 62: "8" vs "12", 114: "77" vs "74", 424: "47" vs "49"); choose_txt
     * 41/50; overall 56/70.
     */
    @Test
    void releasedResultsOfThePaperOnTheSample() throws URISyntaxException {
        Path file = Path.of(getClass().getResource("/golden/iconqa-patch-trm-results-sample.json").toURI());
        Predictions.Read read = Predictions.readWithFormat(file);
        assertEquals(Predictions.Format.RESULTS, read.format());
        EvaluationResult r = Evaluators.iconQa().evaluate(SampleData.iconQaTest(), read.predictions());
        assertEquals(List.of("choose_img", "choose_txt", "fill_in_blank", "Avg"), List.copyOf(r.breakdown().keySet()));
        assertEquals(90.0, r.breakdown().get("choose_img"), 1e-9);
        assertEquals(82.0, r.breakdown().get("choose_txt"), 1e-9);
        assertEquals(60.0, r.breakdown().get("fill_in_blank"), 1e-9);
        assertEquals(80.0, r.headline(), 1e-9);
        assertEquals(Map.of("choose_img", 10, "choose_txt", 50, "fill_in_blank", 10, "Avg", 70), r.groupSizes());
        var r20 = r.records().stream().filter(o -> o.exampleId().equals("20")).findFirst().orElseThrow();
        assertEquals("8,488", r20.predicted());
        assertEquals("7,364", r20.expected());
    }

    @Test
    void skillsFromPid2SkillsAndExactStringsForFillInTheBlank(@TempDir Path dir) throws Exception {
        List<MultimodalExample> all = SampleData.iconQaTest();
        // pid2skills as the official file: counting for 48 and 103, time + unknown "music" for 103.
        Path skillsFile = dir.resolve("pid2skills.json");
        AtomicFiles.writeString(skillsFile, "{\"48\": [\"counting\"], \"103\": [\"counting\", \"time\", \"music\"], \"4\": [\"spatial\"]}");
        IconQaEvaluator eval = Evaluators.iconQa().withSkills(IconQaEvaluator.readSkills(skillsFile));
        Map<String, Prediction> p = new HashMap<>();
        p.put("48", Prediction.ofText("48", " 1 ")); // right: surrounding spaces are ignored
        p.put("103", Prediction.ofText("103", "one")); // wrong: the answer string is "1"
        p.put("4", Prediction.ofText("4", "(a)")); // choose_img answer 0: right
        List<MultimodalExample> some = all.stream().filter(e -> List.of("48", "103", "4").contains(e.id())).toList();
        EvaluationResult r = eval.evaluate(some, p);
        assertEquals(List.of("choose_img", "fill_in_blank", "counting", "spatial", "time", "music", "Avg"),
                List.copyOf(r.breakdown().keySet()));
        assertEquals(50.0, r.breakdown().get("counting"), 1e-9); // 48 right, 103 wrong
        assertEquals(0.0, r.breakdown().get("time"), 1e-9);
        assertEquals(100.0, r.breakdown().get("spatial"), 1e-9);
        assertEquals(50.0, r.breakdown().get("fill_in_blank"), 1e-9);
        assertEquals(100.0 * 2 / 3, r.headline(), 1e-9);

        Path bad = dir.resolve("bad.json");
        AtomicFiles.writeString(bad, "{\"48\": \"counting\"}");
        EvaluationException e = assertThrows(EvaluationException.class, () -> IconQaEvaluator.readSkills(bad));
        assertTrue(e.getMessage().contains("pid 48") && e.getMessage().contains("bad.json"), e.getMessage());
    }
}
