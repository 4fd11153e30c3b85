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

/**
 * Hand-worked cases of the TextVQA accuracy (MMF's TextVQAAccuracyEvaluator with EvalAI's answer
 * processing); each expected value was also checked against that Python code.
 */
class TextVqaAccuracyTest {
    static final List<String> CAMERA = List.of("nous les gosses", "dakota", "clos culombu", "dakota digital", "dakota", "dakota",
            "dakota digital", "dakota digital", "dakota", "dakota");
    static final List<String> TIME = List.of("2:10", "2:10", "two ten", "2:10", "2:10", "10 past 2", "2:10", "2:10", "2:10", "2:10");

    @Test
    void evalAiAnswerProcessing() {
        assertEquals("coca cola 's", TextVqaAccuracy.processAnswer("Coca-Cola's")); // 's split off, '-' becomes a space
        assertEquals("mcdonald 's", TextVqaAccuracy.processAnswer("McDonald's"));
        assertEquals("mcdonalds", TextVqaAccuracy.processAnswer("mcdonalds"));
        assertEquals("2", TextVqaAccuracy.processAnswer("Two."));
        assertEquals("10 past 2", TextVqaAccuracy.processAnswer("Ten past Two"));
        assertEquals("3000", TextVqaAccuracy.processAnswer("3,000")); // every comma is deleted first
        assertEquals("what", TextVqaAccuracy.processAnswer("What?"));
        assertEquals("", TextVqaAccuracy.processAnswer("?"));
        assertEquals("beatles", TextVqaAccuracy.processAnswer("the Beatles"));
        assertEquals("dog 's toy", TextVqaAccuracy.processAnswer("a dog's toy"));
        assertEquals("don't", TextVqaAccuracy.processAnswer("dont"));
        assertEquals("im", TextVqaAccuracy.processAnswer("Im")); // lower-cased before the (capitalised) table entry
        assertEquals("1.5", TextVqaAccuracy.processAnswer("1.5"));
        assertEquals("3.5 ft", TextVqaAccuracy.processAnswer("3.5 ft."));
        assertEquals("usa", TextVqaAccuracy.processAnswer("U.S.A."));
        assertEquals("yes no", TextVqaAccuracy.processAnswer("yes/no"));
        assertEquals("hello", TextVqaAccuracy.processAnswer("hello !"));
        assertEquals("end", TextVqaAccuracy.processAnswer("  End.\n"));
        assertEquals("rock 'n' roll", TextVqaAccuracy.processAnswer("rock 'n' roll"));
    }

    @Test
    void leaveOneOutOverTenHumans() {
        // "dakota" x5: every subset keeps >= 4 -> 1
        assertEquals(1.0, TextVqaAccuracy.score("Dakota", CAMERA), 1e-12);
        // "dakota digital" x3: leaving one of them out (3 subsets) leaves 2 -> 2/3, the 7 others keep 3 -> 1: (2 + 7) / 10
        assertEquals(0.9, TextVqaAccuracy.score("dakota digital", CAMERA), 1e-12);
        // one human: 9 subsets keep it -> 1/3 each, the one without it -> 0: 0.3
        assertEquals(0.3, TextVqaAccuracy.score("Clos Culombu", CAMERA), 1e-12);
        assertEquals(0.0, TextVqaAccuracy.score("nikon", CAMERA), 1e-12);
        assertEquals(1.0, TextVqaAccuracy.score("2:10", TIME), 1e-12);
        assertEquals(0.3, TextVqaAccuracy.score("two ten", TIME), 1e-12); // "2 10" on both sides
        assertEquals(0.3, TextVqaAccuracy.score("10 past two", TIME), 1e-12);
        // the humans are processed too: "coca-cola", "Coca-Cola" and "coca cola" are one answer (5 humans)
        List<String> soda = List.of("coca cola", "coca-cola", "coca cola's", "Coca-Cola", "coke", "coke", "coke", "pepsi",
                "coca cola", "coca-cola");
        assertEquals(1.0, TextVqaAccuracy.score("Coca-Cola", soda), 1e-12);
        assertEquals(0.9, TextVqaAccuracy.score("coke", soda), 1e-12);
        assertEquals(0.3, TextVqaAccuracy.score("coca cola's", soda), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> TextVqaAccuracy.score("x", List.of()));
    }

    @Test
    void differsFromVqaV2WhereTheHumansNeedProcessing() {
        // VQA v2 keeps the human "two" as it is; EvalAI makes it "2": four humans agree, not three
        List<String> humans = List.of("2", "2", "2", "two", "3", "3", "3", "3", "3", "3");
        assertEquals(0.9, VqaAccuracy.score("2", humans), 1e-12);
        assertEquals(1.0, TextVqaAccuracy.score("2", humans), 1e-12);
        // identical human answers are not normalised by VQA v2 at all
        assertEquals(0.0, VqaAccuracy.score("yes", Collections.nCopies(10, "Yes")), 1e-12);
        assertEquals(1.0, TextVqaAccuracy.score("yes", Collections.nCopies(10, "Yes")), 1e-12);
    }

    static MultimodalExample question(String id, List<String> answers) {
        return MultimodalExample.builder().id(id).split("val").question("q " + id).answers(answers).build();
    }

    @Test
    void evaluatorAveragesInPercent() {
        List<MultimodalExample> examples = List.of(question("34602", CAMERA), question("34603", TIME), question("34604", TIME));
        Map<String, Prediction> preds = Map.of("34602", Prediction.ofText("34602", "Dakota."),
                "34603", Prediction.ofText("34603", "ten past two")); // 34604 unanswered: 0
        EvaluationResult r = Evaluators.forName("textvqa").evaluate(examples, preds);
        assertEquals("textvqa", r.evaluator());
        assertEquals((1.0 + 0.3 + 0.0) / 3 * 100, r.headline(), 1e-9);
        assertEquals(r.headline(), r.breakdown().get("Avg"), 1e-12);
        assertEquals(3, r.records().size());
        assertTrue(r.records().get(2).unparseable());
        EvaluationException e = assertThrows(EvaluationException.class, () -> new TextVqaEvaluator().evaluate(
                List.of(question("9", TIME.subList(0, 9))), preds));
        assertTrue(e.getMessage().contains("textvqa: example 9 has 9 human answers, expected 10"), e.getMessage());
    }
}
