package dev.mmpeft.eval;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.eval.Prediction;
import java.util.List;
import java.util.Map;

/**
 * TextVQA accuracy ({@link TextVqaAccuracy}, EvalAI's answer processing) of generated answers
 * against each question's ten human answers, in percent; a question without a prediction scores 0,
 * as an empty answer matches no human one. Avg is the overall accuracy.
 */
public final class TextVqaEvaluator implements Evaluator {
    /** The name under which {@link Evaluators} finds it (also the dataset format's name). */
    public static final String NAME = "textvqa";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EvaluationResult evaluate(List<MultimodalExample> examples, Map<String, Prediction> predictions) {
        Scoring.checkIds(NAME, examples, predictions);
        Tally avg = new Tally();
        var result = Tally.result(NAME, "textvqa-accuracy");
        for (MultimodalExample ex : examples) {
            if (ex.answers().size() != TextVqaAccuracy.HUMAN_ANSWERS) {
                throw new EvaluationException(NAME + ": example " + ex.id() + " has " + ex.answers().size()
                        + " human answers, expected " + TextVqaAccuracy.HUMAN_ANSWERS
                        + " (the official evaluator requires ten; a test split has none to score against)");
            }
            String text = Scoring.text(predictions.get(ex.id()));
            double score = text == null ? 0 : TextVqaAccuracy.score(text, ex.answers()); // no answer is wrong
            avg.add("Avg", score);
            result.addRecords(Scoring.outcome(ex, text, String.join(" | ", ex.answers()), score));
        }
        avg.into(result, 100);
        return result.headline(avg.mean("Avg", 100)).build();
    }

    /** Finds it through {@link java.util.ServiceLoader}. */
    public static final class Provider extends BuiltInProvider {
        public Provider() {
            super(NAME, "TextVQA accuracy: EvalAI answer processing on both sides, min(#humans/3, 1) over the 10 leave-one-out"
                    + " subsets", TextVqaEvaluator::new);
        }
    }
}
