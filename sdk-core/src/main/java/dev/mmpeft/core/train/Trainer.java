package dev.mmpeft.core.train;

import dev.mmpeft.core.Device;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.eval.ExamplePredictor;
import dev.mmpeft.core.train.listener.TrainingListener;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.immutables.value.Value;
import org.jspecify.annotations.Nullable;

/**
 * Fits a {@link TrainableModel} with the papers' recipe, so users do not write a training loop:
 * AdamW (or SGD) with LAVIS's weight-decay groups, a learning-rate schedule, epochs or a step
 * limit, gradient accumulation, clipping by global norm, a seed for everything random, validation
 * with early stopping and the best checkpoint, atomic resume checkpoints, listeners (progress bar,
 * metrics log, SLF4J log; the loss plot with sdk-plots) and provenance.
 *
 * <pre>{@code
 * TrainingResult r = Trainer.builder()
 *         .optimizer(AdamW.lr(5e-4).weightDecay(0.05)).schedule(Schedules.linearDecayPerEpoch())
 *         .epochs(15).batchSize(8).gradientAccumulation(2).earlyStopping(3)
 *         .outputDir(Path.of("runs/sqa-r2"))
 *         .build()
 *         .fit(model, trainPrompts, validationExamples, Evaluators.multipleChoice());
 * }</pre>
 *
 * <p>A trainer is an immutable value: its {@link TrainerConfig settings} and how it reports. A run
 * with an output folder is resumable: killed at any moment, the same call continues from the last
 * checkpoint and ends exactly where the uninterrupted run would have.
 */
@Value.Immutable
public abstract class Trainer extends TrainerConfig {
    /** A builder with the defaults of {@link TrainerConfig}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The run's settings (this trainer, seen as its configuration). */
    public TrainerConfig config() {
        return this;
    }

    /** Listeners added in code, in addition to the ServiceLoader ones. */
    @Value.Auxiliary
    abstract List<TrainingListener> programmaticListeners();

    /** The ServiceLoader listeners to use, by provider name; absent: the defaults. */
    @Value.Auxiliary
    abstract Optional<List<String>> listenerNames();

    /** Where the progress bar writes (standard output by default). */
    @Value.Default
    @Value.Auxiliary
    PrintStream console() {
        return System.out;
    }

    /** The progress bar's terminal mode when forced; absent: detected. */
    @Value.Auxiliary
    abstract Optional<Boolean> interactiveMode();

    /** How to name an item in reports, when set. */
    @Value.Auxiliary
    abstract Optional<Function<Object, String>> exampleIdFunction();

    /** Trains {@code model} on {@code train} without validation. */
    public <E> TrainingResult fit(TrainableModel<E> model, List<E> train) {
        return fit(model, train, (Validator<E>) null);
    }

    /**
     * Trains {@code model} on {@code train}, validating with {@code validator} (when given) every
     * {@code validateEvery} steps or each epoch. The model ends with the trained tensors (the best
     * validation's with {@code restoreBest(true)}).
     *
     * @throws TrainingException for settings that do not fit the data, model or checkpoint
     * @throws NonFiniteLossException when a loss is NaN or infinite and the policy is STOP
     */
    public <E> TrainingResult fit(TrainableModel<E> model, List<E> train, @Nullable Validator<E> validator) {
        try (FeatureReuse reuse = FeatureReuse.attach(this, model)) {
            return new TrainingRun<>(this, model, train, validator).execute();
        }
    }

    /**
     * Trains {@code model} on {@code train}, validating on {@code validation}: the model answers the
     * validation examples as it is at that moment ({@link ExamplePredictor}) and {@code evaluator}
     * scores them; early stopping and the best checkpoint read the evaluator's headline.
     */
    public <E, M extends TrainableModel<E> & ExamplePredictor> TrainingResult fit(
            M model, List<E> train, List<MultimodalExample> validation, Evaluator evaluator) {
        TrainingException.check(!validation.isEmpty(), "validation examples", "an empty list", "at least one example");
        return fit(model, train, Validator.of(validation, evaluator, model::predict));
    }

    boolean interactive() {
        Optional<Boolean> forced = interactiveMode();
        if (forced.isPresent()) {
            return forced.get();
        }
        return System.console() != null && (console() == System.out || console() == System.err);
    }

    /** The id the trainer reports for an item (in NaN reports and dataset fingerprints). */
    String idOf(Object item, int index) {
        Optional<Function<Object, String>> f = exampleIdFunction();
        if (f.isPresent()) {
            return f.get().apply(item);
        }
        if (item instanceof Prompt) {
            return ((Prompt) item).exampleId();
        }
        if (item instanceof MultimodalExample) {
            return ((MultimodalExample) item).id();
        }
        return "#" + index;
    }

    /**
     * The one builder of a trainer: every setting of {@link TrainerConfig} under its own name, plus
     * the shorthands below. {@code build()} validates and throws {@link TrainingException} naming
     * the first bad setting.
     */
    public static class Builder extends ImmutableTrainer.Builder {
        /** Clip gradients to global L2 norm {@code maxNorm} (torch's {@code clip_grad_norm_}). */
        public Builder clipGradNorm(double maxNorm) {
            return maxGradNorm(maxNorm);
        }

        /** Train on these devices; several GPUs train data-parallel. */
        public Builder devices(Device... devices) {
            return devices(Arrays.asList(devices));
        }

        /** Train on one device (the model is replicated there when it lives elsewhere). */
        public Builder device(Device device) {
            return devices(List.of(device));
        }

        /** Validate at the end of each epoch (the default). */
        public Builder validateEachEpoch() {
            return validateEvery(0);
        }

        /** Early stopping with patience {@code n} on the validation headline, higher is better. */
        public Builder earlyStopping(int patience) {
            return earlyStopping(EarlyStopping.patience(patience));
        }

        /** Model id (and optionally hash) for provenance. */
        public Builder model(String id, @Nullable String hash) {
            modelId(id);
            return hash == null ? this : modelHash(hash);
        }

        /** Dataset name for provenance. */
        public Builder dataset(String name) {
            return datasetName(name);
        }

        /** Adds a listener (in addition to the ServiceLoader ones). */
        public Builder listener(TrainingListener listener) {
            return addProgrammaticListeners(listener);
        }

        /**
         * The ServiceLoader listeners to use, by provider name (built in: {@code progress},
         * {@code metrics}, {@code log}; {@code loss-plot} with sdk-plots); none given: no
         * ServiceLoader listeners.
         */
        public Builder listeners(String... providerNames) {
            return listenerNames(List.of(providerNames));
        }

        /** Forces the progress bar's terminal mode on or off (default: detected). */
        public Builder interactive(boolean interactive) {
            return interactiveMode(interactive);
        }

        /** How to name an item in reports (default: Prompt/MultimodalExample ids, else "#index"). */
        public Builder exampleId(Function<Object, String> exampleId) {
            return exampleIdFunction(exampleId);
        }
    }
}
