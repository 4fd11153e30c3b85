package dev.mmpeft.eval;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scoring a predictions file against a dataset's answer key in one call, with the official metric
 * of the dataset format: the evaluator registered under the format's name ({@code textvqa},
 * {@code okvqa}, {@code aokvqa}, {@code flickr30k}, {@code textcaps}, {@code scienceqa},
 * {@code iconqa}), so a {@code score} command needs nothing per format:
 *
 * <pre>{@code
 * EvaluationResult r = Scores.score("textvqa", TextVqa.reader().root(dir).split("val").readAll(), file);
 * System.out.print(Scores.summary(r));   // accuracy: 61.80
 * }</pre>
 */
public final class Scores {
    /** The caption lines of {@link #summary}, in PETAL's Table 1 order, with the breakdown key each prints. */
    private static final Map<String, String> CAPTION_LINES = captionLines();

    private Scores() {}

    /**
     * Reads {@code predictions} ({@link Predictions#readFor}: JSON Lines, the JSON list of
     * evaluation servers, A-OKVQA's leaderboard file, ...) and scores it against {@code examples}
     * with the evaluator registered under {@code format}.
     *
     * @throws EvaluationException when no evaluator has that name, the file cannot be read, or no
     *     prediction answers any example (a wrong split or id scheme, not a model that is always wrong)
     */
    public static EvaluationResult score(String format, List<MultimodalExample> examples, Path predictions) {
        var evaluator = Evaluators.forName(format);
        var preds = Predictions.readFor(predictions, examples);
        long matched = examples.stream().filter(e -> preds.containsKey(e.id())).count();
        if (!examples.isEmpty() && matched == 0) {
            throw new EvaluationException(predictions + ": none of its " + preds.size() + " predictions answers one of the "
                    + examples.size() + " " + format + " examples (expected ids such as " + examples.get(0).id() + ")");
        }
        return evaluator.evaluate(examples, preds);
    }

    /**
     * The result as printed lines: {@code accuracy: NN.NN} for question answering (and, for
     * A-OKVQA, {@code MC accuracy} and {@code DA accuracy}); for captions {@code CIDEr}, {@code
     * ROUGE-1 F1}, {@code ROUGE-1 recall}, {@code ROUGE-L F1}, {@code ROUGE-L recall}, times 100
     * as PETAL's Table 1 prints them.
     */
    public static String summary(EvaluationResult result) {
        StringBuilder sb = new StringBuilder();
        if (result.metric().equals(CaptionEvaluator.METRIC)) {
            CAPTION_LINES.forEach((label, key) -> {
                Double v = result.breakdown().get(key);
                if (v != null) {
                    sb.append(String.format(Locale.ROOT, "%s: %.2f%n", label, v * 100));
                }
            });
            return sb.toString();
        }
        sb.append(String.format(Locale.ROOT, "accuracy: %.2f%n", result.headline()));
        if (result.evaluator().startsWith(AOkVqaEvaluator.NAME)) {
            for (String setting : List.of("MC", "DA")) {
                Double v = result.breakdown().get(setting);
                if (v != null) {
                    sb.append(String.format(Locale.ROOT, "%s accuracy: %.2f%n", setting, v));
                }
            }
        }
        return sb.toString();
    }

    private static Map<String, String> captionLines() {
        var m = new java.util.LinkedHashMap<String, String>();
        m.put("CIDEr", "CIDEr");
        m.put("ROUGE-1 F1", "ROUGE_1_F1");
        m.put("ROUGE-1 recall", "ROUGE_1_recall");
        m.put("ROUGE-L F1", "ROUGE_L_F1");
        m.put("ROUGE-L recall", "ROUGE_L_recall");
        return java.util.Collections.unmodifiableMap(m);
    }
}
