package dev.mmpeft.eval;

import dev.mmpeft.eval.internal.PyText;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The TextVQA accuracy of the official evaluation (EvalAI's TextVQA challenge, as MMF's {@code
 * TextVQAAccuracyEvaluator} and its {@code EvalAIAnswerProcessor} compute it): the prediction and
 * all ten human answers go through the same answer processing; the prediction scores the mean,
 * over the ten leave-one-out subsets of the human answers, of {@code min(1, matches / 3)}.
 *
 * <p>Why its own class next to {@link VqaAccuracy}: the processing differs from VQA v2's
 * {@code vqaEval.py} in ways that change scores. EvalAI first lower-cases, deletes every comma
 * and question mark and writes {@code 's} as {@code  's} ({@code word_tokenize}); it then applies
 * the same punctuation, number-word, article and contraction steps as vqaEval.py (reused from
 * {@link VqaAccuracy}), and it applies all of them to the human answers too, always; vqaEval.py
 * only strips the humans' punctuation, and only when they disagree. So a human "two" matches a
 * predicted "2" here and not in VQA v2.
 */
public final class TextVqaAccuracy {
    /** The official evaluator asserts that every question has exactly this many human answers. */
    public static final int HUMAN_ANSWERS = 10;

    private TextVqaAccuracy() {}

    /**
     * EvalAI's answer processing: {@code word_tokenize}, newline and tab to space and strip, then
     * vqaEval.py's punctuation step and digit/article/contraction step.
     */
    public static String processAnswer(String answer) {
        String item = PyText.strip(answer.toLowerCase(Locale.ROOT).replace(",", "").replace("?", "").replace("'s", " 's"));
        item = PyText.strip(item.replace('\n', ' ').replace('\t', ' '));
        return VqaAccuracy.processDigitArticle(VqaAccuracy.processPunctuation(item));
    }

    /**
     * The accuracy (0..1) of {@code prediction} against one question's human answers.
     *
     * @throws IllegalArgumentException when there are no human answers
     */
    public static double score(String prediction, List<String> humanAnswers) {
        if (humanAnswers.isEmpty()) {
            throw new IllegalArgumentException("TextVQA accuracy needs the human answers, got none");
        }
        String pred = processAnswer(prediction);
        List<String> gts = new ArrayList<>(humanAnswers.size());
        for (String a : humanAnswers) {
            gts.add(processAnswer(a));
        }
        // each human answer left out in turn; the rest vote for the prediction
        double sum = 0;
        for (int left = 0; left < gts.size(); left++) {
            int matches = 0;
            for (int j = 0; j < gts.size(); j++) {
                if (j != left && gts.get(j).equals(pred)) {
                    matches++;
                }
            }
            sum += Math.min(1.0, matches / 3.0);
        }
        return sum / gts.size();
    }
}
