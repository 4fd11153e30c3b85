package dev.mmpeft.eval;

import com.google.common.collect.ImmutableList;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.eval.Prediction;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ScienceQA accuracy with the breakdown of the official {@code tools/evaluate_acc.py}
 * (lupantech/ScienceQA): NAT, SOC, LAN by subject; TXT for a non-empty hint; IMG when the record
 * names an image; NO when it has neither; G1-6 and G7-12 by grade; Avg over all; then the
 * accuracy per topic, alphabetically ({@code topic=biology}, ...).
 *
 * <p>The official script decides TXT and IMG from the record's own fields: a hint that is not the
 * empty string, and an {@code image} field that is set (whether or not the file was
 * downloaded). So this evaluator reads the record's {@code hint} and {@code image} metadata when
 * the reader kept them, and otherwise {@link MultimodalExample#context()} and
 * {@link MultimodalExample#images()}. A prediction that cannot be read as an option counts as
 * wrong and is marked in the records. Accuracies are percentages, unrounded (the script prints
 * two decimals).
 */
public final class ScienceQaEvaluator implements Evaluator {
    /** The name under which {@link Evaluators} finds it. */
    public static final String NAME = "scienceqa";

    /** The official groups, in the script's order. */
    public static final ImmutableList<String> GROUPS =
            ImmutableList.of("NAT", "SOC", "LAN", "TXT", "IMG", "NO", "G1-6", "G7-12", "Avg");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EvaluationResult evaluate(List<MultimodalExample> examples, Map<String, Prediction> predictions) {
        Scoring.checkIds(NAME, examples, predictions);
        Tally groups = new Tally().declare(GROUPS);
        // Topics alphabetically, after the official groups.
        Tally topics = new Tally().declare(examples.stream().map(e -> e.meta("topic").orElse(""))
                .filter(t -> !t.isEmpty()).distinct().sorted().map(t -> "topic=" + t).toList());
        var result = Tally.result(NAME, "accuracy");
        for (MultimodalExample ex : examples) {
            if (!ex.isMultipleChoice() || ex.answerIndex().isEmpty()) {
                throw new EvaluationException(
                        NAME + ": example " + ex.id() + " has no options and answer index (expected a multiple-choice record)");
            }
            Scoring.Choice c = Scoring.choose(ex, predictions.get(ex.id()));
            double score = c.correct(ex) ? 1 : 0;
            for (String g : groupsOf(ex)) {
                groups.add(g, score);
            }
            ex.meta("topic").ifPresent(t -> topics.add("topic=" + t, score));
            result.addRecords(Scoring.outcome(ex, c, score));
        }
        groups.into(result, 100);
        topics.into(result, 100);
        return result.headline(groups.mean("Avg", 100)).build();
    }

    /** The official groups an example belongs to (always including Avg). */
    public static List<String> groupsOf(MultimodalExample ex) {
        ImmutableList.Builder<String> g = ImmutableList.builder();
        String subject = ex.meta("subject").orElse("");
        switch (subject) {
            case "natural science":
                g.add("NAT");
                break;
            case "social science":
                g.add("SOC");
                break;
            case "language science":
                g.add("LAN");
                break;
            default:
                break;
        }
        boolean hasText = !hint(ex).isEmpty();
        boolean hasImage = hasImage(ex);
        if (hasText) {
            g.add("TXT");
        }
        if (hasImage) {
            g.add("IMG");
        }
        if (!hasText && !hasImage) {
            g.add("NO");
        }
        String grade = ex.meta("grade").orElse("");
        if (grade.matches("grade[1-6]")) {
            g.add("G1-6");
        } else if (grade.matches("grade([7-9]|1[0-2])")) {
            g.add("G7-12");
        }
        g.add("Avg");
        return g.build();
    }

    private static String hint(MultimodalExample ex) {
        return ex.meta("hint").orElse(ex.context());
    }

    private static boolean hasImage(MultimodalExample ex) {
        Optional<String> image = ex.meta("image");
        if (image.isPresent()) {
            String v = image.get();
            return !v.isEmpty() && !"null".equals(v) && !"None".equals(v);
        }
        return !ex.images().isEmpty();
    }

    /** Finds it through {@link java.util.ServiceLoader}. */
    public static final class Provider extends BuiltInProvider {
        public Provider() {
            super(NAME, "ScienceQA accuracy with the official NAT/SOC/LAN/TXT/IMG/NO/G1-6/G7-12/Avg breakdown and per topic", ScienceQaEvaluator::new);
        }
    }
}
