package dev.mmpeft.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.google.common.collect.ImmutableMap;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.eval.Prediction;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Validation during training: scores the model as it is now and returns an
 * {@link EvaluationResult}, which early stopping and best-checkpoint selection read. The trainer
 * switches the model to evaluation mode (no dropout, no gradients) around the call.
 *
 * @param <E> the items the model trains on
 */
@FunctionalInterface
public interface Validator<E> {
    /** Scores {@code model} in its current state. */
    EvaluationResult validate(TrainableModel<E> model);

    /**
     * Validation with any {@link Evaluator}: {@code predict} answers the examples with the model
     * as it is (for InstructBLIP: candidate scoring or generation), the evaluator scores them.
     */
    static <E> Validator<E> of(
            List<MultimodalExample> examples,
            Evaluator evaluator,
            Function<List<MultimodalExample>, Map<String, Prediction>> predict) {
        List<MultimodalExample> fixed = List.copyOf(examples);
        return model -> evaluator.evaluate(fixed, predict.apply(fixed));
    }

    /**
     * The mean loss over {@code items} in batches of {@code batchSize}, weighted by batch size, as
     * an {@link EvaluationResult} with metric {@code loss} (use with
     * {@code EarlyStopping.patience(n).minimize()}).
     */
    static <E> Validator<E> loss(List<E> items, int batchSize) {
        TrainingException.check(!items.isEmpty(), "validation items", "an empty list", "at least one item");
        TrainingException.check(batchSize >= 1, "validation batch size", batchSize, ">= 1");
        List<E> fixed = List.copyOf(items);
        return model -> {
            Parameter any = model.trainableParameters().values().iterator().next();
            double sum = 0;
            try (Autograd.GradMode off = Autograd.gradMode(false);
                    NDManager base = NDManager.newBaseManager(any.getArray().getDevice())) {
                for (int i = 0; i < fixed.size(); i += batchSize) {
                    List<E> batch = fixed.subList(i, Math.min(fixed.size(), i + batchSize));
                    try (NDManager scope = base.newSubManager()) {
                        NDArray loss = model.loss(batch, scope);
                        sum += loss.getFloat() * batch.size();
                    }
                }
            }
            double mean = sum / fixed.size();
            return EvaluationResult.builder()
                    .evaluator("loss")
                    .metric("loss")
                    .headline(mean)
                    .breakdown(ImmutableMap.of("loss", mean))
                    .groupSizes(ImmutableMap.of("loss", fixed.size()))
                    .build();
        };
    }
}
