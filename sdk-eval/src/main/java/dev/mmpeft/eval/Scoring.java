package dev.mmpeft.eval;

import com.google.common.collect.Sets;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Prediction;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every evaluator does the same way: checking ids, reading a multiple-choice answer, recording an example. */
final class Scoring {
    private static final Logger LOG = LoggerFactory.getLogger(Scoring.class);

    private Scoring() {}

    /** A multiple-choice prediction read against an example's options. */
    record Choice(int index, boolean unparseable, String shown) {
        boolean correct(MultimodalExample ex) {
            return index >= 0 && ex.answerIndex().isPresent() && ex.answerIndex().getAsInt() == index;
        }
    }

    /** Reads the option a prediction picks: its index if it has one, else its text (see {@link ChoiceParser}). */
    static Choice choose(MultimodalExample ex, @Nullable Prediction p) {
        List<String> choices = ex.choices();
        if (p == null) {
            return new Choice(-1, true, "(no prediction)");
        }
        if (p.choiceIndex().isPresent()) {
            int i = p.choiceIndex().getAsInt();
            if (i >= 0 && i < choices.size()) {
                return new Choice(i, false, option(choices, i));
            }
            return new Choice(-1, true, i + " (no such option; " + choices.size() + " options)");
        }
        String text = p.text().orElse("");
        OptionalInt c = ChoiceParser.parse(text, choices);
        if (c.isPresent()) {
            return new Choice(c.getAsInt(), false, option(choices, c.getAsInt()));
        }
        return new Choice(-1, true, text);
    }

    static String option(List<String> choices, int i) {
        return ChoiceParser.letterOf(i) + " " + choices.get(i);
    }

    static String expectedOption(MultimodalExample ex) {
        return ex.answerIndex().isPresent() ? option(ex.choices(), ex.answerIndex().getAsInt()) : ex.answerText().orElse("");
    }

    /** The text of a prediction: its text, else its index as a number ({@code str(ans)} in the scripts). */
    static @Nullable String text(@Nullable Prediction p) {
        if (p == null) {
            return null;
        }
        if (p.text().isPresent()) {
            return p.text().get();
        }
        return p.choiceIndex().isPresent() ? String.valueOf(p.choiceIndex().getAsInt()) : null;
    }

    /** One example's record: the answer as shown, the expected one, its score, whether it could not be read. */
    static EvaluationResult.ExampleOutcome outcome(MultimodalExample ex, String shown, String expected, double score, boolean unparseable) {
        return EvaluationResult.ExampleOutcome.builder()
                .exampleId(ex.id())
                .predicted(shown)
                .expected(expected)
                .score(score)
                .unparseable(unparseable)
                .build();
    }

    /** The record of a multiple-choice answer: the option read, against the correct option. */
    static EvaluationResult.ExampleOutcome outcome(MultimodalExample ex, Choice c, double score) {
        return outcome(ex, c.shown(), expectedOption(ex), score, c.unparseable());
    }

    /** The record of an open answer; {@code text} null (no prediction) is shown so and marked unreadable. */
    static EvaluationResult.ExampleOutcome outcome(MultimodalExample ex, @Nullable String text, String expected, double score) {
        return outcome(ex, text == null ? "(no prediction)" : text, expected, score, text == null);
    }

    /** Rejects duplicate example ids; logs predictions that answer no example (they are ignored). */
    static void checkIds(String evaluator, List<MultimodalExample> examples, Map<String, Prediction> predictions) {
        Set<String> ids = new HashSet<>();
        for (MultimodalExample ex : examples) {
            if (!ids.add(ex.id())) {
                throw new EvaluationException(
                        evaluator + ": example id " + ex.id() + " appears twice (expected unique ids)");
            }
        }
        if (examples.isEmpty()) {
            throw new EvaluationException(evaluator + ": no examples to score (expected at least one)");
        }
        Set<String> extra = Sets.difference(predictions.keySet(), ids);
        if (!extra.isEmpty()) {
            LOG.warn(
                    "{}: {} prediction(s) answer no example and are ignored, e.g. {}",
                    evaluator,
                    extra.size(),
                    extra.iterator().next());
        }
    }
}
