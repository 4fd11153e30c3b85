package dev.mmpeft.core.eval;

import dev.mmpeft.core.MultimodalExample;
import java.util.List;
import java.util.Map;

/**
 * Scores predictions against the examples they answer. Implementations (sdk-eval) compute the
 * papers' metrics as the official scripts do; the trainer uses any of them for validation.
 */
public interface Evaluator {
    /** A short name ({@code scienceqa}, {@code iconqa}, {@code multiple-choice}, {@code vqa}, ...). */
    String name();

    /**
     * Scores {@code predictions} (by example id) against {@code examples}. An example without a
     * prediction counts as wrong.
     */
    EvaluationResult evaluate(List<MultimodalExample> examples, Map<String, Prediction> predictions);
}
