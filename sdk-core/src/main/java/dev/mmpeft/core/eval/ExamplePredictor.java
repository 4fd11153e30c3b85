package dev.mmpeft.core.eval;

import dev.mmpeft.core.MultimodalExample;
import java.util.List;
import java.util.Map;

/**
 * Something that answers examples: a model with its processor and prompt template, a released
 * results file, a baseline. Why in core: the trainer validates any model that can answer (its
 * {@code fit(model, train, validation, evaluator)}) without knowing model families or templates.
 */
@FunctionalInterface
public interface ExamplePredictor {
    /** The prediction of each example, by example id. */
    Map<String, Prediction> predict(List<MultimodalExample> examples);
}
