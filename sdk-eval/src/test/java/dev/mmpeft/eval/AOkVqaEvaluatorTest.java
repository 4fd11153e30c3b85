package dev.mmpeft.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Prediction;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hand-worked A-OKVQA scores (MC over all questions, DA over those not marked difficult, exact
 * matches, min(1, n/3)); each was also checked against allenai/aokvqa evaluation/eval_predictions.py.
 */
class AOkVqaEvaluatorTest {
    static MultimodalExample q(String id, List<String> choices, List<String> direct, boolean difficult) {
        return MultimodalExample.builder().id(id).split("val").question("q " + id).choices(choices).answerIndex(3)
                .answers(direct).putMetadata("difficult_direct_answer", String.valueOf(difficult)).build();
    }

    static final List<MultimodalExample> EXAMPLES = List.of(
            q("m", List.of("toothpick", "food", "popsicle stick", "cigarette"),
                    List.of("cigarette", "cigarette", "cigarette", "cigarette", "cigarette", "cigarette", "cigarette", "cigarette",
                            "cigarette", "smoke"), false),
            q("b", List.of("one", "ten", "nine", "thirty"),
                    List.of("30", "thirty", "30", "30", "thirty", "30", "30", "30", "thirty", "30"), true),
            q("c", List.of("skateboarder", "train", "delivery", "cab"),
                    List.of("ride", "ride", "bus", "taxi", "travelling", "traffic", "taxi", "cab", "cab", "his ride"), false));

    @Test
    void freeTextAnswersScoreBothSettingsWithDaAsHeadline() {
        Map<String, Prediction> preds = Map.of("m", Prediction.ofText("m", "cigarette"), "b", Prediction.ofText("b", "thirty"),
                "c", Prediction.ofText("c", "taxi"));
        EvaluationResult r = Evaluators.forName("aokvqa").evaluate(EXAMPLES, preds);
        // MC: "cigarette" and "thirty" are the correct options' texts, "taxi" is no option: 2/3
        assertEquals(200.0 / 3, r.breakdown().get("MC"), 1e-9);
        // DA over m and c (b is difficult): m 9 matches -> 1, c "taxi" 2 matches -> 2/3: (1 + 2/3) / 2
        assertEquals(250.0 / 3, r.breakdown().get("DA"), 1e-9);
        assertEquals(2, r.groupSizes().get("DA"));
        assertEquals(3, r.groupSizes().get("MC"));
        assertEquals("da-accuracy", r.metric());
        assertEquals(250.0 / 3, r.headline(), 1e-9);
        assertEquals(2, r.records().size()); // the DA headline scores two questions
    }

    @Test
    void optionIndicesGiveMcHeadlineAndAnswerDaWithTheOptionText() {
        Map<String, Prediction> preds = Map.of("m", Prediction.ofChoice("m", 3), "b", Prediction.ofChoice("b", 0),
                "c", Prediction.builder().exampleId("c").choiceIndex(3).text("3").build()); // as a file of indices reads
        EvaluationResult r = new AOkVqaEvaluator().evaluate(EXAMPLES, preds);
        assertEquals("mc-accuracy", r.metric());
        assertEquals(200.0 / 3, r.headline(), 1e-9);
        // DA answers "cigarette" (m: 1) and "cab" (c: 2 matches -> 2/3)
        assertEquals(250.0 / 3, r.breakdown().get("DA"), 1e-9);
        assertEquals(3, r.records().size());
        assertEquals("(d) cigarette", r.records().get(0).predicted());
    }

    @Test
    void exactMatchOnlyAndMissingPredictionsScoreZero() {
        // no normalisation in the official script: "Cigarette" matches neither the option nor a direct answer
        Map<String, Prediction> preds = Map.of("m", Prediction.ofText("m", "Cigarette"), "c", Prediction.ofText("c", "taxi"));
        EvaluationResult r = new AOkVqaEvaluator().evaluate(EXAMPLES, preds);
        assertEquals(0.0, r.breakdown().get("MC"), 1e-9); // b has no prediction
        assertEquals(100.0 / 3, r.breakdown().get("DA"), 1e-9); // (0 + 2/3) / 2
        assertEquals(100.0 / 3, new AOkVqaEvaluator(AOkVqaEvaluator.Headline.DA).evaluate(EXAMPLES, preds).headline(), 1e-9);
        assertEquals(0.0, Evaluators.forName("aokvqa-mc").evaluate(EXAMPLES, preds).headline(), 1e-9);
        assertEquals(1.0, AOkVqaEvaluator.directAnswerScore("30", EXAMPLES.get(1).answers()), 1e-12);
        assertEquals(1.0, AOkVqaEvaluator.directAnswerScore("thirty", EXAMPLES.get(1).answers()), 1e-12);
        assertEquals(1.0 / 3, AOkVqaEvaluator.directAnswerScore("smoke", EXAMPLES.get(0).answers()), 1e-12);
    }

    @Test
    void aTestSplitWithoutAnswersCannotBeScored() {
        MultimodalExample test = MultimodalExample.builder().id("t").split("test").question("q").choices(List.of("a", "b")).build();
        EvaluationException e = assertThrows(EvaluationException.class,
                () -> new AOkVqaEvaluator().evaluate(List.of(test), Map.of()));
        assertTrue(e.getMessage().contains("aokvqa: example t has no correct_choice_idx"), e.getMessage());
    }
}
