package dev.mmpeft.eval;

import com.google.common.collect.ImmutableList;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.eval.Prediction;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Exact-match accuracy for open answers (fill in the blank): right when the predicted text equals
 * one of the reference answers ({@link MultimodalExample#answers()}, else the answer text) after
 * trimming and collapsing whitespace, ignoring case unless {@link #caseSensitive()} is asked for.
 * IconQA's own scoring, which compares strings exactly, is {@link IconQaEvaluator}.
 */
public final class ExactMatchEvaluator implements Evaluator {
    /** The name under which {@link Evaluators} finds it. */
    public static final String NAME = "exact-match";

    private final boolean caseSensitive;
    private final ImmutableList<String> groupBy;

    public ExactMatchEvaluator() {
        this(false, ImmutableList.of());
    }

    private ExactMatchEvaluator(boolean caseSensitive, ImmutableList<String> groupBy) {
        this.caseSensitive = caseSensitive;
        this.groupBy = groupBy;
    }

    /** A copy that compares case too. */
    public ExactMatchEvaluator caseSensitive() {
        return new ExactMatchEvaluator(true, groupBy);
    }

    /** A copy that also reports the accuracy per value of each metadata field ({@code field=value}). */
    public ExactMatchEvaluator groupBy(String... fields) {
        return new ExactMatchEvaluator(caseSensitive, ImmutableList.copyOf(fields));
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
            List<String> refs = ex.answers().isEmpty() ? ex.answerText().stream().toList() : ex.answers();
            if (refs.isEmpty()) {
                throw new EvaluationException(
                        NAME + ": example " + ex.id() + " has no reference answer (expected answers or an answer text)");
            }
            String text = Scoring.text(predictions.get(ex.id()));
            double score = 0;
            if (text != null) {
                String norm = normalize(text);
                for (String r : refs) {
                    if (normalize(r).equals(norm)) {
                        score = 1;
                        break;
                    }
                }
            }
            double s = score;
            avg.add("Avg", s);
            for (String field : groupBy) {
                ex.meta(field).ifPresent(v -> groups.add(field + "=" + v, s));
            }
            result.addRecords(Scoring.outcome(ex, text, String.join(" | ", refs), score));
        }
        groups.into(result, 100);
        avg.into(result, 100);
        return result.headline(avg.mean("Avg", 100)).build();
    }

    private String normalize(String s) {
        String t = s.strip().replaceAll("\\s+", " ");
        return caseSensitive ? t : t.toLowerCase(Locale.ROOT);
    }

    /** Finds it through {@link java.util.ServiceLoader}. */
    public static final class Provider extends BuiltInProvider {
        public Provider() {
            super(NAME, "exact-match accuracy of open answers (trimmed, whitespace collapsed, case-insensitive)", ExactMatchEvaluator::new);
        }
    }
}
