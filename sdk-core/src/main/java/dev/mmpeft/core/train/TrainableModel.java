package dev.mmpeft.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A model the trainer can fit: it turns a batch of items into a scalar loss and names the tensors
 * that training may change. Everything else stays frozen and never gets a gradient or optimizer
 * state.
 *
 * @param <E> the items a batch is made of (for InstructBLIP: rendered {@code Prompt}s)
 */
public interface TrainableModel<E> {
    /**
     * The trainable parameters under stable names (for PEFT models, the names of the adapter file),
     * in a fixed order. Their arrays require gradients; no other parameter does.
     */
    Map<String, Parameter> trainableParameters();

    /**
     * The mean loss over {@code batch}, computed in the current mode. Every intermediate array must
     * belong to {@code scope} (the trainer closes it after the step), never to the model's manager.
     */
    NDArray loss(List<E> batch, NDManager scope);

    /**
     * The named extra terms of the last {@link #loss} this model computed, as they entered it
     * (PETAL's {@code sib}); none by default. The trainer logs them beside the loss of each step.
     */
    default Map<String, Double> lossTerms() {
        return Map.of();
    }

    /** Switches between training (dropout active) and evaluation. */
    void setTraining(boolean training);

    /**
     * Writes the trainable state in the model's own format (for PEFT models: the Hugging Face PEFT
     * adapter layout), atomically.
     */
    void saveTrainable(Path directory) throws IOException;

    /**
     * An independent copy of this model on {@code device} for data-parallel training: its own
     * arrays (frozen weights copied to that device once), the same trainable parameter names and
     * values, nothing shared that a step on one copy could change on another. A copy that is
     * {@link AutoCloseable} is closed by the trainer when the run ends. Models that do not support
     * several devices keep this default, which refuses with a clear message.
     *
     * @throws TrainingException when the model cannot be replicated
     */
    default TrainableModel<E> replicate(Device device) {
        throw new TrainingException(
                getClass().getSimpleName()
                        + " cannot be replicated to "
                        + device
                        + " for data-parallel training (it does not implement TrainableModel.replicate);"
                        + " train on its own device only");
    }

    /**
     * Puts the model's floating-point tensors (frozen and trainable, on every device it uses) into
     * {@code precision} for forward and backward passes, and makes {@link #loss} cast its inputs
     * to match (losses and softmaxes may stay float32). The trainer calls it with
     * {@link Precision#FP16} before a mixed-precision run, keeping float32 master copies of the
     * trainable tensors itself, and with {@link Precision#FP32} at the end, then copies the master
     * values back: after {@code fit} the model is float32 again. After a call,
     * {@link #trainableParameters()} returns the new arrays (still requiring gradients).
     * Models that do not support it keep this default, which refuses with a clear message.
     *
     * @throws TrainingException when the model cannot compute in {@code precision}
     */
    default void computeIn(Precision precision) {
        if (precision != Precision.FP32) {
            throw new TrainingException(getClass().getSimpleName() + " cannot compute in " + precision
                    + " (it does not implement TrainableModel.computeIn); train it with mixedPrecision(FP32)");
        }
    }

    /**
     * Lets the model read and write the outputs of its frozen, deterministic parts through
     * {@code cache} (null: stop using it). The trainer attaches a cache for one run (unless
     * {@link TrainerConfig#reuseFrozenFeatures()} is off) and detaches it at the end; frozen
     * weights do not change in between. A model must use the cache only where that gives exactly
     * what it would compute. Models with nothing to reuse keep this default, which ignores it.
     */
    default void reuseFrozenFeatures(dev.mmpeft.core.cache.@Nullable FeatureCache cache) {}

    /**
     * The number of token positions {@code item} occupies in a batch before padding (for
     * InstructBLIP: the language model's input), for length-aware batching and the padding ratio
     * in the training log; empty (the default) when the model does not know.
     */
    default java.util.OptionalInt tokenLength(E item) {
        return java.util.OptionalInt.empty();
    }
}
