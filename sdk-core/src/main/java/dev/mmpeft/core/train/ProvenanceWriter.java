package dev.mmpeft.core.train;

import com.google.common.collect.ImmutableMap;
import dev.mmpeft.core.provenance.Hashes;
import dev.mmpeft.core.provenance.RunProvenance;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Writes {@code provenance.json} beside a run's checkpoints: settings (with the devices and
 * precision actually used), data fingerprint, model, seeds, versions, status and final metrics.
 * Why its own class: the run's loop stays readable, and provenance is written at start, end and
 * on failure from one place.
 */
final class ProvenanceWriter {
    private final TrainerConfig config;
    private final Optional<Path> out;
    private final String modelClass;
    private final Map<String, Object> resolved;
    private final List<String> ids;
    private final String initialHash;
    private final long trainableCount;
    private final Instant startedAt;
    private final long startStep;

    ProvenanceWriter(TrainerConfig config, String modelClass, Map<String, Object> resolved, List<String> ids,
            String initialHash, long trainableCount, Instant startedAt, long startStep) {
        this.config = config;
        this.out = config.outputDir();
        this.modelClass = modelClass;
        this.resolved = resolved;
        this.ids = ids;
        this.initialHash = initialHash;
        this.trainableCount = trainableCount;
        this.startedAt = startedAt;
        this.startStep = startStep;
    }

    void write(String status, @Nullable TrainingResult result) throws IOException {
        if (out.isEmpty()) {
            return;
        }
        Map<String, Object> dataset = new LinkedHashMap<>();
        dataset.put("name", config.datasetName().orElse("unnamed"));
        dataset.put("train_size", ids.size());
        dataset.put("train_ids_sha256", Hashes.sha256(ids));
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (result != null) {
            metrics.put("steps", result.steps());
            metrics.put("epochs", result.epochs());
            metrics.put("stop_reason", result.stopReason());
            double last = result.meanLossOfLast(10);
            if (Double.isFinite(last)) {
                metrics.put("train_loss_last_10_steps", last);
            }
            metrics.put("skipped_steps", result.skippedSteps());
            result.metric().ifPresent(m -> metrics.put("best_metric", m));
            result.bestValue().ifPresent(v -> metrics.put("best_value", v));
            result.bestStep().ifPresent(v -> metrics.put("best_step", v));
            if (!result.lastValidation().isEmpty()) {
                metrics.put("last_validation", result.lastValidation());
            }
            metrics.put("seconds", result.seconds());
        }
        RunProvenance p = RunProvenance.builder()
                .modelId(config.modelId().orElse(modelClass))
                .modelHash(config.modelHash())
                .initialTrainableHash(initialHash)
                .trainableParameters(trainableCount)
                .dataset(dataset)
                .seed(config.seed())
                .config(describedWith(resolved))
                .startedAt(startedAt)
                .endedAt(Optional.ofNullable(result == null && !status.startsWith("failed") ? null : Instant.now()))
                .status(status)
                .resumedFromStep(startStep)
                .finalMetrics(metrics)
                .build();
        p.write(out.get().resolve(RunProvenance.FILE_NAME));
    }

    /** The settings, with the devices and precision the run actually used (the defaults resolved). */
    private ImmutableMap<String, Object> describedWith(Map<String, Object> resolved) {
        Map<String, Object> d = new LinkedHashMap<>(config.describe());
        d.putAll(resolved);
        return ImmutableMap.copyOf(d);
    }
}
