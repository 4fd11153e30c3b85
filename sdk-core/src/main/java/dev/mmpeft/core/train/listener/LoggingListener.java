package dev.mmpeft.core.train.listener;

import dev.mmpeft.core.train.TrainingResult;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports a run through SLF4J: start, epochs, validations, checkpoints and the end at INFO,
 * every step at DEBUG, skipped batches at WARN. Logger: {@code dev.mmpeft.train}.
 */
public final class LoggingListener implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger("dev.mmpeft.train");

    @Override
    public void onStart(RunStart s) {
        LOG.info("training {} steps ({} epochs x {} steps, {} examples, effective batch {}), {} trainable parameters{}",
                s.totalSteps(), s.totalEpochs(), s.stepsPerEpoch(), s.trainSize(), s.effectiveBatchSize(),
                s.trainableParameters(), s.startStep() > 0 ? ", resuming at step " + s.startStep() : "");
    }

    @Override
    public void onStep(StepEvent s) {
        LOG.debug("step {}/{} epoch {} loss {} lr {} grad_norm {} {} samples/s", s.step(), s.totalSteps(), s.epoch(),
                s.loss(), s.lr(), s.gradNorm(), s.samplesPerSecond());
    }

    @Override
    public void onEpochEnd(EpochEvent e) {
        LOG.info("epoch {}/{} done at step {}: mean loss {} ({} s)", e.epoch() + 1, e.totalEpochs(), e.step(),
                e.meanLoss(), String.format(java.util.Locale.ROOT, "%.1f", e.seconds()));
    }

    @Override
    public void onValidation(ValidationEvent v) {
        LOG.info("validation at step {}: {} = {} (best {}, {} without improvement)", v.step(), v.metric(), v.value(),
                v.best(), v.badValidations());
    }

    @Override
    public void onSkippedBatch(SkippedBatch s) {
        LOG.warn("skipped step {} (epoch {}): {} is {} in batch {}", s.step(), s.epoch(), s.what(), s.value(), s.exampleIds());
    }

    @Override
    public void onCheckpoint(Path directory, long step) {
        LOG.debug("checkpoint at step {} written to {}", step, directory);
    }

    @Override
    public void onEnd(TrainingResult r) {
        LOG.info("training ended: {} after {} steps", r.stopReason(), r.steps());
    }

    /** The {@code log} provider. */
    public static final class Provider implements TrainingListenerProvider {
        @Override
        public String name() {
            return "log";
        }

        @Override
        public TrainingListener create(ListenerContext context) {
            return new LoggingListener();
        }
    }
}
