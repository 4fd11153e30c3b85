package dev.mmpeft.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Prediction;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hand-worked exact-match, VQA and grouped multiple-choice results. */
class OpenAnswerEvaluatorsTest {
    private static MultimodalExample open(String id, String type, String... answers) {
        return MultimodalExample.builder().id(id).split("test").question("q").addAnswers(answers)
                .putMetadata("answer_type", type).putMetadata("question_type", "how many").build();
    }

    @Test
    void exactMatch() {
        List<MultimodalExample> ex = List.of(
                open("1", "number", "7,364"),
                open("2", "other", "Straße"),
                open("3", "other", "o'clock", "oclock"),
                open("4", "other", "half"));
        Map<String, Prediction> p = Map.of(
                "1", Prediction.ofText("1", " 7,364 "), // surrounding spaces ignored
                "2", Prediction.ofText("2", "STRASSE"), // not the same string (no ß folding)
                "3", Prediction.ofText("3", "OCLOCK"), // any reference, case ignored
                "4", Prediction.ofText("4", "")); // empty: wrong
        EvaluationResult r = Evaluators.exactMatch().groupBy("answer_type").evaluate(ex, p);
        assertEquals(50.0, r.headline(), 1e-9);
        assertEquals(100.0, r.breakdown().get("answer_type=number"), 1e-9);
        assertEquals(100.0 / 3, r.breakdown().get("answer_type=other"), 1e-9);
        assertEquals(List.of("answer_type=number", "answer_type=other", "Avg"), List.copyOf(r.breakdown().keySet()));
        // Case-sensitive: "OCLOCK" no longer matches; unicode compares by code point.
        EvaluationResult cs = new ExactMatchEvaluator().caseSensitive()
                .evaluate(ex, Map.of("2", Prediction.ofText("2", "Straße"), "3", Prediction.ofText("3", "OCLOCK")));
        assertEquals(25.0, cs.headline(), 1e-9);
        assertEquals(0.0, Evaluators.exactMatch().evaluate(ex, Map.of()).headline(), 1e-9);
        // An integer prediction scores by its decimal text.
        EvaluationResult num = Evaluators.exactMatch().evaluate(List.of(open("9", "number", "12")),
                Map.of("9", Prediction.ofChoice("9", 12)));
        assertEquals(100.0, num.headline(), 1e-9);
    }

    @Test
    void vqaWithAnswerTypes() {
        List<String> two = List.of("2", "2", "2", "two", "3", "3", "3", "3", "3", "3");
        List<MultimodalExample> ex = List.of(
                open("1", "number", two.toArray(String[]::new)),
                open("2", "yes/no", Collections.nCopies(10, "yes").toArray(String[]::new)),
                open("3", "other", Collections.nCopies(10, "dog").toArray(String[]::new)));
        Map<String, Prediction> p = Map.of(
                "1", Prediction.ofText("1", "Two."), // 0.9 (see VqaAccuracyTest)
                "2", Prediction.ofText("2", "Yes"), // 1.0
                "3", Prediction.ofText("3", "a cat")); // 0.0
        EvaluationResult r = Evaluators.vqa().evaluate(ex, p);
        assertEquals("vqa-accuracy", r.metric());
        assertEquals(90.0, r.breakdown().get("answer_type=number"), 1e-9);
        assertEquals(100.0, r.breakdown().get("answer_type=yes/no"), 1e-9);
        assertEquals(0.0, r.breakdown().get("answer_type=other"), 1e-9);
        assertEquals(190.0 / 3, r.breakdown().get("question_type=how many"), 1e-9);
        assertEquals(190.0 / 3, r.headline(), 1e-9);
        assertEquals(0.9, r.records().get(0).score(), 1e-12);
        EvaluationException e = assertThrows(EvaluationException.class,
                () -> Evaluators.vqa().evaluate(List.of(MultimodalExample.builder().id("x").split("t").question("q")
                        .addChoices("a", "b").answerIndex(0).build()), Map.of()));
        assertTrue(e.getMessage().contains("example x"), e.getMessage());
    }

    @Test
    void multipleChoiceGroupedByAField() {
        List<MultimodalExample> ex = List.of(choice("a", 0, "grade1"), choice("b", 1, "grade1"), choice("c", 2, "grade2"));
        Map<String, Prediction> p = Map.of(
                "a", Prediction.ofText("a", "The answer is (A) sun."), // right
                "b", Prediction.ofText("b", "star"), // wrong: option (c)
                "c", Prediction.ofChoice("c", 5)); // no such option: wrong and listed
        EvaluationResult r = Evaluators.multipleChoice().groupBy("grade").evaluate(ex, p);
        assertEquals(List.of("grade=grade1", "grade=grade2", "Avg"), List.copyOf(r.breakdown().keySet()));
        assertEquals(50.0, r.breakdown().get("grade=grade1"), 1e-9);
        assertEquals(0.0, r.breakdown().get("grade=grade2"), 1e-9);
        assertEquals(100.0 / 3, r.headline(), 1e-9);
        assertEquals("(c) star", r.records().get(1).predicted());
        assertTrue(r.records().get(2).unparseable());
        assertTrue(r.records().get(2).predicted().contains("no such option"), r.records().get(2).predicted());
    }

    private static MultimodalExample choice(String id, int answer, String grade) {
        return MultimodalExample.builder().id(id).split("test").question("q").addChoices("sun", "moon", "star")
                .answerIndex(answer).putMetadata("grade", grade).build();
    }

    @Test
    void iconQaAllWrongAndMissing() {
        List<MultimodalExample> all = SampleData.iconQaTest();
        EvaluationResult none = Evaluators.iconQa().evaluate(all, Map.of());
        assertEquals(0.0, none.headline(), 1e-9);
        assertEquals(70, none.records().stream().filter(EvaluationResult.ExampleOutcome::unparseable).count());
        assertEquals(Map.of("choose_img", 10, "choose_txt", 50, "fill_in_blank", 10, "Avg", 70), none.groupSizes());
    }
}
