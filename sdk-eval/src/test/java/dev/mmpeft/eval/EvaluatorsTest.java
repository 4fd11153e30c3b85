package dev.mmpeft.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.eval.Prediction;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The ServiceLoader registry, and a contract every built-in evaluator keeps. */
class EvaluatorsTest {
    @Test
    void findsTheBuiltInsByName() {
        assertEquals(List.of("aokvqa", "aokvqa-da", "aokvqa-mc", "caption", "exact-match", "flickr30k", "iconqa", "multiple-choice",
                "okvqa", "scienceqa", "textcaps", "textvqa", "vqa"), Evaluators.names());
        for (String name : Evaluators.names()) {
            assertEquals(name, Evaluators.forName(name).name());
            assertFalse(Evaluators.providers().get(name).description().isBlank());
        }
        assertEquals("scienceqa", Evaluators.forName("ScienceQA").name());
        EvaluationException e = assertThrows(EvaluationException.class, () -> Evaluators.forName("bleu"));
        assertTrue(e.getMessage().contains("unknown evaluator 'bleu'") && e.getMessage().contains("scienceqa"), e.getMessage());
    }

    @Test
    void theEvaluatorOfEachDatasetFormatIsThePapers() {
        assertEquals("scienceqa", Evaluators.forFormat("scienceqa").name());
        assertEquals("iconqa", Evaluators.forFormat("IconQA").name());
        // a format without an evaluator of its own is scored as plain multiple choice
        assertEquals("multiple-choice", Evaluators.forFormat("jsonl").name());
    }

    /**
     * Examples each evaluator accepts: two multiple-choice, or two open with ten human answers
     * (written without articles, as the official VQA annotations are: the script normalises the
     * prediction, "a cat" -> "cat", but not ten identical human answers).
     */
    private static List<MultimodalExample> examplesFor(String name) {
        if (List.of("scienceqa", "iconqa", "multiple-choice").contains(name)) {
            return List.of(
                    MultimodalExample.builder().id("1").split("test").question("q").addChoices("red", "blue").answerIndex(1)
                            .putMetadata("subject", "natural science").putMetadata("grade", "grade2").build(),
                    MultimodalExample.builder().id("2").split("test").question("q").addChoices("cat", "dog", "cow").answerIndex(0)
                            .putMetadata("subject", "social science").putMetadata("grade", "grade9").build());
        }
        return List.of(
                MultimodalExample.builder().id("1").split("test").question("q")
                        .addAnswers("blue", "blue", "blue", "blue", "blue", "blue", "blue", "blue", "blue", "blue").build(),
                MultimodalExample.builder().id("2").split("test").question("q")
                        .addAnswers("black cat", "black cat", "black cat", "black cat", "black cat", "black cat", "black cat", "black cat", "black cat", "black cat").build());
    }

    @ParameterizedTest
    @ValueSource(strings = {"scienceqa", "iconqa", "multiple-choice", "vqa", "exact-match", "caption"})
    void contract(String name) {
        Evaluator eval = Evaluators.forName(name);
        List<MultimodalExample> examples = examplesFor(name);
        boolean choice = examples.get(0).isMultipleChoice();
        Map<String, Prediction> right = choice
                ? Map.of("1", Prediction.ofText("1", "(b)"), "2", Prediction.ofChoice("2", 0))
                : Map.of("1", Prediction.ofText("1", "blue"), "2", Prediction.ofText("2", "black cat"));
        EvaluationResult good = eval.evaluate(examples, right);
        EvaluationResult missing = eval.evaluate(examples, Map.of("1", right.get("1")));
        assertEquals(name, good.evaluator());
        assertEquals(2, good.records().size());
        // One record per example, in order; the example without a prediction is marked and scores 0.
        assertEquals(List.of("1", "2"), missing.records().stream().map(EvaluationResult.ExampleOutcome::exampleId).toList());
        assertTrue(missing.records().get(1).unparseable());
        assertEquals(0.0, missing.records().get(1).score(), 1e-12);
        assertTrue(missing.headline() < good.headline(), name + ": " + missing.headline() + " vs " + good.headline());
        assertEquals(good.breakdown().keySet(), good.groupSizes().keySet());
        if (!name.equals("caption")) {
            assertEquals(100.0, good.headline(), 1e-9);
            assertEquals(50.0, missing.headline(), 1e-9);
        } else {
            // Two images: one-word "blue" is only a unigram (bigram norm 0), "black cat" matches 1- and 2-grams.
            assertEquals((10 * 0.25 + 10 * 0.5) / 2, good.headline(), 1e-9);
        }
        assertThrows(EvaluationException.class, () -> eval.evaluate(List.of(), Map.of()));
    }
}
