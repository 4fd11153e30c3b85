package dev.mmpeft.eval;

import com.google.common.collect.ImmutableList;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.eval.Prediction;
import java.util.List;
import java.util.Map;

/**
 * Plain multiple-choice accuracy for any dataset: a prediction is an option index (candidate
 * scoring) or generated text read with {@link ChoiceParser}; unreadable answers count as wrong
 * and are marked. Optionally broken down by metadata fields ({@code groupBy("subject")} gives
 * {@code subject=...} groups); Avg comes last.
 */
public final class MultipleChoiceEvaluator implements Evaluator {
    /** The name under which {@link Evaluators} finds it. */
    public static final String NAME = "multiple-choice";

    private final ImmutableList<String> groupBy;

    public MultipleChoiceEvaluator() {
        this(ImmutableList.of());
    }

    private MultipleChoiceEvaluator(ImmutableList<String> groupBy) {
        this.groupBy = groupBy;
    }

    /** A copy that also reports the accuracy per value of each metadata field. */
    public MultipleChoiceEvaluator groupBy(String... fields) {
        return new MultipleChoiceEvaluator(ImmutableList.copyOf(fields));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EvaluationResult evaluate(List<MultimodalExample> examples, Map<String, Prediction> predictions) {
        Scoring.checkIds(NAME, examples, predictions);
        Tally groups = new Tally();
        Tally avg = new Tally();
        var result = Tally.result(NAME, "accuracy");
        for (MultimodalExample ex : examples) {
            if (!ex.isMultipleChoice() || ex.answerIndex().isEmpty()) {
                throw new EvaluationException(
                        NAME + ": example " + ex.id() + " has no options and answer index (expected a multiple-choice record)");
            }
            Scoring.Choice c = Scoring.choose(ex, predictions.get(ex.id()));
            double score = c.correct(ex) ? 1 : 0;
            avg.add("Avg", score);
            for (String field : groupBy) {
                ex.meta(field).ifPresent(v -> groups.add(field + "=" + v, score));
            }
            result.addRecords(Scoring.outcome(ex, c, score));
        }
        groups.into(result, 100);
        avg.into(result, 100);
        return result.headline(avg.mean("Avg", 100)).build();
    }

    /** Finds it through {@link java.util.ServiceLoader}. */
    public static final class Provider extends BuiltInProvider {
        public Provider() {
            super(NAME, "multiple-choice accuracy (option index or parsed text), optionally per metadata field", MultipleChoiceEvaluator::new);
        }
    }
}
