package dev.mmpeft.eval;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.eval.Prediction;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A-OKVQA's two official scores, as the A-OKVQA repository's {@code evaluation/eval_predictions.py}
 * computes them, in percent:
 *
 * <ul>
 *   <li><b>MC</b> (multiple choice), over every question: a prediction is right when it picks the
 *       correct option, by index or by text equal to {@code choices[correct_choice_idx]};
 *   <li><b>DA</b> (direct answer), over the questions not marked {@code difficult_direct_answer}:
 *       {@code min(1, #direct_answers equal to the prediction / 3)}, compared exactly as the script
 *       does, with no normalisation (the released direct answers are already normalised). A
 *       prediction that is only an option index answers with that option's text.
 * </ul>
 *
 * <p>A question without a prediction scores 0 in both. The headline is DA when predictions carry
 * free text (generation, or a file of answer strings) and MC when they are option indices only
 * (candidate scoring), unless fixed by {@link Headline}; both are in the breakdown as {@code MC}
 * and {@code DA}.
 */
public final class AOkVqaEvaluator implements Evaluator {
    /** The name under which {@link Evaluators} finds it (also the dataset format's name). */
    public static final String NAME = "aokvqa";

    /** Which score is the headline. */
    public enum Headline {
        /** DA when any prediction has free text, else MC. */
        AUTO,
        /** Multiple-choice accuracy. */
        MC,
        /** Direct-answer accuracy. */
        DA
    }

    private final Headline headline;

    /** Headline chosen from the predictions. */
    public AOkVqaEvaluator() {
        this(Headline.AUTO);
    }

    public AOkVqaEvaluator(Headline headline) {
        this.headline = headline;
    }

    @Override
    public String name() {
        return headline == Headline.AUTO ? NAME : NAME + "-" + headline.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public EvaluationResult evaluate(List<MultimodalExample> examples, Map<String, Prediction> predictions) {
        Scoring.checkIds(NAME, examples, predictions);
        boolean freeText = examples.stream().map(ex -> predictions.get(ex.id())).anyMatch(p -> p != null && hasFreeText(p));
        Headline h = headline != Headline.AUTO ? headline : freeText ? Headline.DA : Headline.MC;
        Tally tally = new Tally().declare(List.of("MC", "DA"));
        var result = Tally.result(name(), h == Headline.MC ? "mc-accuracy" : "da-accuracy");
        for (MultimodalExample ex : examples) {
            if (ex.answerIndex().isEmpty() || ex.answers().isEmpty()) {
                throw new EvaluationException(NAME + ": example " + ex.id() + " has no "
                        + (ex.answerIndex().isEmpty() ? "correct_choice_idx" : "direct_answers")
                        + " (expected the answer key of a train or val split)");
            }
            Prediction p = predictions.get(ex.id());
            double mc = multipleChoice(ex, p);
            tally.add("MC", mc);
            boolean difficult = ex.meta("difficult_direct_answer").map(Boolean::parseBoolean).orElse(false);
            String answer = p == null ? null : directAnswer(ex, p).orElse(null);
            double da = answer == null ? 0 : directAnswerScore(answer, ex.answers());
            if (!difficult) {
                tally.add("DA", da);
            }
            if (h == Headline.MC) {
                result.addRecords(Scoring.outcome(ex, p == null ? null : shown(ex, p), Scoring.expectedOption(ex), mc));
            } else if (!difficult) {
                result.addRecords(Scoring.outcome(ex, answer, String.join(" | ", ex.answers()), da));
            }
        }
        tally.into(result, 100);
        return result.headline(tally.mean(h.name(), 100)).build();
    }

    /** 1 when the prediction picks the correct option, by index or by exactly the option's text. */
    static double multipleChoice(MultimodalExample ex, @Nullable Prediction p) {
        if (p == null) {
            return 0;
        }
        int correct = ex.answerIndex().getAsInt();
        if (p.choiceIndex().isPresent()) {
            return p.choiceIndex().getAsInt() == correct ? 1 : 0;
        }
        return p.text().map(t -> t.equals(ex.choices().get(correct)) ? 1.0 : 0.0).orElse(0.0);
    }

    /** The official direct-answer score: exact matches among the direct answers, over 3, at most 1. */
    public static double directAnswerScore(String prediction, List<String> directAnswers) {
        long matches = directAnswers.stream().filter(prediction::equals).count();
        return Math.min(1.0, matches / 3.0);
    }

    /** The prediction's answer text: its free text, else the text of the option it picks. */
    private static Optional<String> directAnswer(MultimodalExample ex, Prediction p) {
        if (hasFreeText(p)) {
            return p.text();
        }
        if (p.choiceIndex().isPresent()) {
            int i = p.choiceIndex().getAsInt();
            return i >= 0 && i < ex.choices().size() ? Optional.of(ex.choices().get(i)) : Optional.empty();
        }
        return Optional.empty();
    }

    private static String shown(MultimodalExample ex, Prediction p) {
        if (p.choiceIndex().isPresent()) {
            int i = p.choiceIndex().getAsInt();
            return i >= 0 && i < ex.choices().size() ? Scoring.option(ex.choices(), i) : i + " (no such option)";
        }
        return p.text().orElse("");
    }

    /** Text that is not just the decimal form of the option index (which files of indices also carry). */
    static boolean hasFreeText(Prediction p) {
        if (p.text().isEmpty()) {
            return false;
        }
        return p.choiceIndex().isEmpty() || !p.text().get().equals(String.valueOf(p.choiceIndex().getAsInt()));
    }

    /** Finds it through {@link java.util.ServiceLoader}. */
    public static final class Provider extends BuiltInProvider {
        public Provider() {
            super(NAME, "A-OKVQA multiple-choice and direct-answer accuracy (eval_predictions.py); headline DA for free-text"
                    + " predictions, MC for option indices", AOkVqaEvaluator::new);
        }
    }

    /** The multiple-choice score as the headline. */
    public static final class McProvider extends BuiltInProvider {
        public McProvider() {
            super(NAME + "-mc", "A-OKVQA multiple-choice accuracy (eval_predictions.py --multiple-choice)",
                    () -> new AOkVqaEvaluator(Headline.MC));
        }
    }

    /** The direct-answer score as the headline. */
    public static final class DaProvider extends BuiltInProvider {
        public DaProvider() {
            super(NAME + "-da", "A-OKVQA direct-answer accuracy (eval_predictions.py), difficult questions left out",
                    () -> new AOkVqaEvaluator(Headline.DA));
        }
    }
}
