package dev.mmpeft.eval;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.eval.Prediction;
import java.util.List;
import java.util.Map;

/**
 * VQA accuracy ({@link VqaAccuracy}) of generated answers against each question's human answers
 * ({@link MultimodalExample#answers()}, ten in VQAv2, OK-VQA and A-OKVQA), reported in percent
 * like the official script, with its per-answer-type and per-question-type breakdown when the
 * records carry {@code answer_type} / {@code question_type} metadata
 * ({@code answer_type=yes/no}, ...). Avg is the overall accuracy.
 */
public final class VqaEvaluator implements Evaluator {
    /** The name under which {@link Evaluators} finds it. */
    public static final String NAME = "vqa";

    private final String name;

    /** The evaluator under its own name. */
    public VqaEvaluator() {
        this(NAME);
    }

    /** The same metric under a dataset format's name ({@code okvqa}, {@code flickr30k}, ...), as results and reports show it. */
    public VqaEvaluator(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public EvaluationResult evaluate(List<MultimodalExample> examples, Map<String, Prediction> predictions) {
        Scoring.checkIds(name, examples, predictions);
        Tally answerTypes = new Tally();
        Tally questionTypes = new Tally();
        Tally avg = new Tally();
        var result = Tally.result(name, "vqa-accuracy");
        for (MultimodalExample ex : examples) {
            if (ex.answers().isEmpty()) {
                throw new EvaluationException(
                        name + ": example " + ex.id() + " has no human answers (expected the answers of the annotators)");
            }
            String text = Scoring.text(predictions.get(ex.id()));
            double score = VqaAccuracy.score(text == null ? "" : text, ex.answers());
            avg.add("Avg", score);
            ex.meta("answer_type").ifPresent(t -> answerTypes.add("answer_type=" + t, score));
            ex.meta("question_type").ifPresent(t -> questionTypes.add("question_type=" + t, score));
            result.addRecords(Scoring.outcome(ex, text, String.join(" | ", ex.answers()), score));
        }
        answerTypes.into(result, 100);
        questionTypes.into(result, 100);
        avg.into(result, 100);
        return result.headline(avg.mean("Avg", 100)).build();
    }

    /** Finds it through {@link java.util.ServiceLoader}. */
    public static final class Provider extends BuiltInProvider {
        public Provider() {
            super(NAME, "VQAv2 accuracy: min(#humans/3, 1) over the 10 leave-one-out subsets, official answer normalisation", VqaEvaluator::new);
        }
    }

    /** OK-VQA's official score is the VQA v2 accuracy: found under the dataset format's name too. */
    public static final class OkVqaProvider extends BuiltInProvider {
        public OkVqaProvider() {
            super("okvqa", "OK-VQA accuracy: the VQAv2 accuracy (vqaEval.py) over its ten human answers", () -> new VqaEvaluator("okvqa"));
        }
    }
}
