package dev.mmpeft.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Prediction;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The official ScienceQA grouping on the 50 test records of ../shared/data/scienceqa-sample with a
 * hand-made prediction set. The sample has 30 NAT, 9 SOC and 11 LAN questions; by group:
 *
 * <pre>
 *        TXT IMG NO  G1-6 G7-12
 *   NAT   24  16  5   22    8
 *   SOC    1   8  1    9    0
 *   LAN    0   0 11    5    6
 * </pre>
 *
 * Predictions: every NAT answer right except pid 5 (NAT, hint and image, grade 8), whose answer is
 * unreadable text; every SOC answer right (pid 11 as "(b) New Hampshire", pid 47 as the bare option
 * text, the rest as indices); every LAN answer wrong.
 */
class ScienceQaEvaluatorTest {
    static Map<String, Prediction> handMadePredictions(List<MultimodalExample> test) {
        Map<String, Prediction> p = new HashMap<>();
        for (MultimodalExample ex : test) {
            int answer = ex.answerIndex().getAsInt();
            String subject = ex.meta("subject").orElseThrow();
            if (ex.id().equals("5")) {
                p.put("5", Prediction.ofText("5", "I am not sure"));
            } else if (ex.id().equals("11")) {
                p.put("11", Prediction.ofText("11", "(b) New Hampshire"));
            } else if (ex.id().equals("47")) {
                p.put("47", Prediction.ofText("47", ex.choices().get(answer)));
            } else if (subject.equals("language science")) {
                p.put(ex.id(), Prediction.ofChoice(ex.id(), (answer + 1) % ex.choices().size()));
            } else {
                p.put(ex.id(), Prediction.ofChoice(ex.id(), answer));
            }
        }
        return p;
    }

    @Test
    void officialGroupsOnTheSharedSample() {
        List<MultimodalExample> test = SampleData.scienceQaTest();
        assertEquals(50, test.size());
        EvaluationResult r = Evaluators.scienceQa().evaluate(test, handMadePredictions(test));

        assertEquals(ScienceQaEvaluator.GROUPS, List.copyOf(r.breakdown().keySet()).subList(0, 9));
        assertEquals(100.0 * 29 / 30, r.breakdown().get("NAT"), 1e-9); // only pid 5 wrong
        assertEquals(100.0, r.breakdown().get("SOC"), 1e-9);
        assertEquals(0.0, r.breakdown().get("LAN"), 1e-9);
        assertEquals(100.0 * 24 / 25, r.breakdown().get("TXT"), 1e-9); // 24 NAT (pid 5 wrong) + 1 SOC
        assertEquals(100.0 * 23 / 24, r.breakdown().get("IMG"), 1e-9); // 16 NAT (pid 5 wrong) + 8 SOC
        assertEquals(100.0 * 6 / 17, r.breakdown().get("NO"), 1e-9); // 5 NAT + 1 SOC right, 11 LAN wrong
        assertEquals(100.0 * 31 / 36, r.breakdown().get("G1-6"), 1e-9); // 22 NAT + 9 SOC right, 5 LAN wrong
        assertEquals(100.0 * 7 / 14, r.breakdown().get("G7-12"), 1e-9); // 7 NAT right (pid 5 is grade 8), 6 LAN wrong
        assertEquals(100.0 * 38 / 50, r.breakdown().get("Avg"), 1e-9);
        assertEquals(r.breakdown().get("Avg"), r.headline(), 0);
        assertEquals(Map.of("NAT", 30, "SOC", 9, "LAN", 11, "TXT", 25, "IMG", 24, "NO", 17, "G1-6", 36, "G7-12", 14, "Avg", 50),
                Map.copyOf(new HashMap<>(r.groupSizes()) {{ keySet().retainAll(ScienceQaEvaluator.GROUPS); }}));
        // Per topic: biology is all NAT (10 questions, 10 right); reference-skills all LAN (6, 0 right).
        assertEquals(100.0, r.breakdown().get("topic=biology"), 1e-9);
        assertEquals(10, r.groupSizes().get("topic=biology"));
        assertEquals(0.0, r.breakdown().get("topic=reference-skills"), 1e-9);

        // Records: one per example; the unreadable answer is listed and counted wrong.
        assertEquals(50, r.records().size());
        var unparseable = r.records().stream().filter(EvaluationResult.ExampleOutcome::unparseable).toList();
        assertEquals(1, unparseable.size());
        assertEquals("5", unparseable.get(0).exampleId());
        assertEquals(0.0, unparseable.get(0).score());
        var r11 = r.records().stream().filter(o -> o.exampleId().equals("11")).findFirst().orElseThrow();
        assertEquals("(b) New Hampshire", r11.predicted());
        assertEquals(1.0, r11.score());
    }

    @Test
    void allWrongAndMissingPredictions() {
        List<MultimodalExample> test = SampleData.scienceQaTest();
        EvaluationResult none = Evaluators.scienceQa().evaluate(test, Map.of());
        assertEquals(0.0, none.headline());
        assertTrue(none.records().stream().allMatch(EvaluationResult.ExampleOutcome::unparseable));
        // Predictions for ids outside the examples are ignored, not counted.
        EvaluationResult extra = Evaluators.scienceQa().evaluate(test.subList(0, 1), Map.of(
                test.get(0).id(), Prediction.ofChoice(test.get(0).id(), test.get(0).answerIndex().getAsInt()),
                "no-such-pid", Prediction.ofChoice("no-such-pid", 0)));
        assertEquals(100.0, extra.headline());
        assertEquals(Set.of("LAN", "NO", "G7-12", "Avg"), extra.breakdown().keySet().stream()
                .filter(k -> !k.startsWith("topic=")).collect(java.util.stream.Collectors.toSet()),
                "pid 4 is language science, no context, grade 11; empty groups are left out");
        assertFalse(extra.breakdown().containsKey("NAT"));
    }

    @Test
    void hintAndImageFieldsDecideTxtImgNoAsTheScriptDoes() {
        var base = MultimodalExample.builder().id("x").split("test").question("q").addChoices("a", "b").answerIndex(0)
                .putMetadata("subject", "natural science").putMetadata("grade", "grade3");
        // The record names an image that was not downloaded: still IMG (the script reads the field).
        assertEquals(List.of("NAT", "IMG", "G1-6", "Avg"),
                ScienceQaEvaluator.groupsOf(base.putMetadata("image", "image.png").build()));
        // A hint of one space is a non-empty string: TXT.
        var spaceHint = MultimodalExample.builder().id("y").split("test").question("q").addChoices("a", "b")
                .answerIndex(0).putMetadata("subject", "social science").putMetadata("grade", "grade12")
                .putMetadata("hint", " ").putMetadata("image", "null").build();
        assertEquals(List.of("SOC", "TXT", "G7-12", "Avg"), ScienceQaEvaluator.groupsOf(spaceHint));
    }

    @Test
    void badInput() {
        var open = MultimodalExample.builder().id("z").split("test").question("q").addAnswers("x").build();
        EvaluationException e = assertThrows(EvaluationException.class,
                () -> Evaluators.scienceQa().evaluate(List.of(open), Map.of()));
        assertTrue(e.getMessage().contains("example z"), e.getMessage());
        List<MultimodalExample> test = SampleData.scienceQaTest();
        EvaluationException dup = assertThrows(EvaluationException.class,
                () -> Evaluators.scienceQa().evaluate(List.of(test.get(0), test.get(0)), Map.of()));
        assertTrue(dup.getMessage().contains("appears twice"), dup.getMessage());
    }
}
