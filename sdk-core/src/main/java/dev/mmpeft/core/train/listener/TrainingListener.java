package dev.mmpeft.core.train.listener;

import dev.mmpeft.core.train.TrainingResult;
import java.nio.file.Path;

/**
 * Callbacks of a training run, all optional. They run on the training thread between steps, so
 * they should be quick; an exception from one stops the run (a broken listener should be seen).
 * Listeners come from {@code Trainer.builder().listener(..)} and from
 * {@link TrainingListenerProvider}s found by {@link java.util.ServiceLoader}.
 */
public interface TrainingListener {
    default void onStart(RunStart start) {}

    default void onStep(StepEvent step) {}

    default void onEpochEnd(EpochEvent epoch) {}

    default void onValidation(ValidationEvent validation) {}

    default void onSkippedBatch(SkippedBatch skipped) {}

    /** A resume checkpoint was written (atomically) to {@code directory} after {@code step} steps. */
    default void onCheckpoint(Path directory, long step) {}

    /** The run ended (completed, stopped early, or stopped by a step limit). */
    default void onEnd(TrainingResult result) {}
}
