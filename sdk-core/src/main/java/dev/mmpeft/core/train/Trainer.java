package dev.mmpeft.core.train;

import com.google.common.collect.ImmutableList;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.train.listener.TrainingListener;
import dev.mmpeft.core.train.optim.OptimizerSpec;
import dev.mmpeft.core.train.schedule.LrSchedule;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Fits a {@link TrainableModel} with the papers' recipe, so users do not write a training loop:
 * AdamW (or SGD) with LAVIS's weight-decay groups, a learning-rate schedule, epochs or a step
 * limit, gradient accumulation, clipping by global norm, a seed for everything random, validation
 * with early stopping and the best checkpoint, atomic resume checkpoints, listeners (progress bar,
 * metrics log, loss plot, SLF4J log) and provenance.
 *
 * <pre>{@code
 * TrainingResult r = Trainer.builder()
 *         .optimizer(AdamW.lr(5e-4).weightDecay(0.05)).schedule(Schedules.linearDecayPerEpoch())
 *         .epochs(15).batchSize(8).gradientAccumulation(2).earlyStopping(3)
 *         .outputDir(Path.of("runs/sqa-r2"))
 *         .build()
 *         .fit(model, trainPrompts, validator);
 * }</pre>
 *
 * <p>A run with an output folder is resumable: killed at any moment, the same call continues from
 * the last checkpoint and ends exactly where the uninterrupted run would have.
 */
public final class Trainer {
    private final TrainerConfig config;
    private final List<TrainingListener> listeners;
    private final @Nullable List<String> listenerNames;
    private final PrintStream console;
    private final @Nullable Boolean interactive;
    private final @Nullable Function<Object, String> exampleId;

    private Trainer(Builder b) {
        this.config = b.config.build();
        this.listeners = ImmutableList.copyOf(b.listeners);
        this.listenerNames = b.listenerNames == null ? null : ImmutableList.copyOf(b.listenerNames);
        this.console = b.console;
        this.interactive = b.interactive;
        this.exampleId = b.exampleId;
    }

    /** A builder with the defaults of {@link TrainerConfig}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The run's settings. */
    public TrainerConfig config() {
        return config;
    }

    /** Trains {@code model} on {@code train} without validation. */
    public <E> TrainingResult fit(TrainableModel<E> model, List<E> train) {
        return fit(model, train, null);
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
        return new TrainingRun<>(this, model, train, validator).execute();
    }

    List<TrainingListener> programmaticListeners() {
        return listeners;
    }

    Optional<List<String>> listenerNames() {
        return Optional.ofNullable(listenerNames);
    }

    PrintStream console() {
        return console;
    }

    boolean interactive() {
        if (interactive != null) {
            return interactive;
        }
        return System.console() != null && (console == System.out || console == System.err);
    }

    /** The id the trainer reports for an item (in NaN reports and dataset fingerprints). */
    String idOf(Object item, int index) {
        if (exampleId != null) {
            return exampleId.apply(item);
        }
        if (item instanceof Prompt) {
            return ((Prompt) item).exampleId();
        }
        if (item instanceof MultimodalExample) {
            return ((MultimodalExample) item).id();
        }
        return "#" + index;
    }

    /** Fluent set-up of a {@link Trainer}. */
    public static final class Builder {
        private final ImmutableTrainerConfig.Builder config = ImmutableTrainerConfig.builder();
        private final List<TrainingListener> listeners = new ArrayList<>();
        private @Nullable List<String> listenerNames;
        private PrintStream console = System.out;
        private @Nullable Boolean interactive;
        private @Nullable Function<Object, String> exampleId;

        private Builder() {}

        public Builder optimizer(OptimizerSpec optimizer) {
            config.optimizer(optimizer);
            return this;
        }

        public Builder schedule(LrSchedule schedule) {
            config.schedule(schedule);
            return this;
        }

        public Builder epochs(int epochs) {
            config.epochs(epochs);
            return this;
        }

        public Builder maxSteps(long steps) {
            config.maxSteps(steps);
            return this;
        }

        public Builder batchSize(int batchSize) {
            config.batchSize(batchSize);
            return this;
        }

        public Builder gradientAccumulation(int microBatches) {
            config.gradientAccumulation(microBatches);
            return this;
        }

        /** Clip gradients to global L2 norm {@code maxNorm} (torch's {@code clip_grad_norm_}). */
        public Builder clipGradNorm(double maxNorm) {
            config.maxGradNorm(maxNorm);
            return this;
        }

        public Builder seed(long seed) {
            config.seed(seed);
            return this;
        }

        public Builder shuffle(boolean shuffle) {
            config.shuffle(shuffle);
            return this;
        }

        public Builder dropLast(boolean dropLast) {
            config.dropLast(dropLast);
            return this;
        }

        public Builder devices(List<Device> devices) {
            config.devices(devices);
            return this;
        }

        public Builder devices(Device... devices) {
            return devices(Arrays.asList(devices));
        }

        /** Validate every {@code steps} optimizer steps (default: at the end of each epoch). */
        public Builder validateEvery(long steps) {
            config.validateEvery(steps);
            return this;
        }

        /** Validate at the end of each epoch (the default). */
        public Builder validateEachEpoch() {
            config.validateEvery(0);
            return this;
        }

        /** Early stopping with patience {@code n} on the validation headline, higher is better. */
        public Builder earlyStopping(int patience) {
            config.earlyStopping(EarlyStopping.patience(patience));
            return this;
        }

        public Builder earlyStopping(EarlyStopping earlyStopping) {
            config.earlyStopping(earlyStopping);
            return this;
        }

        /** Write a resume checkpoint every {@code steps} steps (also at each epoch's end). */
        public Builder checkpointEvery(long steps) {
            config.checkpointEvery(steps);
            return this;
        }

        public Builder saveBest(boolean saveBest) {
            config.saveBest(saveBest);
            return this;
        }

        public Builder saveLast(boolean saveLast) {
            config.saveLast(saveLast);
            return this;
        }

        public Builder restoreBest(boolean restoreBest) {
            config.restoreBest(restoreBest);
            return this;
        }

        public Builder resume(boolean resume) {
            config.resume(resume);
            return this;
        }

        public Builder onNonFinite(NonFinitePolicy policy) {
            config.onNonFinite(policy);
            return this;
        }

        public Builder outputDir(Path dir) {
            config.outputDir(dir);
            return this;
        }

        /** Model id (and optionally hash) for provenance. */
        public Builder model(String id, @Nullable String hash) {
            config.modelId(id);
            if (hash != null) {
                config.modelHash(hash);
            }
            return this;
        }

        /** Dataset name for provenance. */
        public Builder dataset(String name) {
            config.datasetName(name);
            return this;
        }

        /** Adds a listener (in addition to the ServiceLoader ones). */
        public Builder listener(TrainingListener listener) {
            listeners.add(listener);
            return this;
        }

        /**
         * The ServiceLoader listeners to use, by provider name (built in: {@code progress},
         * {@code metrics}, {@code loss-plot}, {@code log}); none given: no ServiceLoader listeners.
         */
        public Builder listeners(String... providerNames) {
            listenerNames = List.of(providerNames);
            return this;
        }

        /** Where the progress bar writes (standard output by default). */
        public Builder console(PrintStream out) {
            this.console = out;
            return this;
        }

        /** Forces the progress bar's terminal mode on or off (default: detected). */
        public Builder interactive(boolean interactive) {
            this.interactive = interactive;
            return this;
        }

        /** How to name an item in reports (default: Prompt/MultimodalExample ids, else "#index"). */
        public Builder exampleId(Function<Object, String> exampleId) {
            this.exampleId = exampleId;
            return this;
        }

        /**
         * The trainer.
         *
         * @throws TrainingException naming the first bad setting
         */
        public Trainer build() {
            try {
                return new Trainer(this);
            } catch (IllegalStateException e) {
                // Immutables reports missing or bad fields this way
                throw new TrainingException("trainer settings: " + e.getMessage(), e);
            }
        }
    }
}
