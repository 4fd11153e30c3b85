package dev.mmpeft.core.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * Where a trained artefact came from: the run's settings, data, seed, model id and hash, the
 * versions of this SDK, DJL, the engine and Java, when it started and ended, how it ended and its
 * final metrics. Written as JSON (atomically) beside checkpoints, so any adapter can be traced
 * back to the run that made it.
 */
@Value.Immutable
public abstract class RunProvenance {
    /** File name used beside checkpoints. */
    public static final String FILE_NAME = "provenance.json";

    public abstract String modelId();

    public abstract Optional<String> modelHash();

    /** Hash of the trainable tensors when the run started (before any step). */
    public abstract Optional<String> initialTrainableHash();

    public abstract long trainableParameters();

    /** Dataset name, size, fingerprint, ... */
    public abstract Map<String, Object> dataset();

    public abstract long seed();

    /** The trainer's settings. */
    public abstract Map<String, Object> config();

    public abstract Instant startedAt();

    public abstract Optional<Instant> endedAt();

    /** {@code running}, {@code completed}, {@code stopped early}, {@code failed: ...}. */
    public abstract String status();

    public abstract long resumedFromStep();

    /** Final (or best) metrics. */
    public abstract Map<String, Object> finalMetrics();

    @Value.Default
    public String sdkVersion() {
        return Versions.sdk();
    }

    @Value.Default
    public String djlVersion() {
        return Versions.djl();
    }

    @Value.Default
    public String engine() {
        return Versions.engine();
    }

    @Value.Default
    public String engineVersion() {
        return Versions.engineVersion();
    }

    @Value.Default
    public String javaVersion() {
        return Versions.java();
    }

    @Value.Default
    public String os() {
        return Versions.os();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** The JSON form. */
    public ObjectNode toJson() {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("format", "mmpeft-run-provenance");
        root.put("status", status());
        ObjectNode sw = root.putObject("software");
        sw.put("mmpeft", sdkVersion());
        sw.put("djl", djlVersion());
        sw.put("engine", engine());
        sw.put("engine_version", engineVersion());
        sw.put("java", javaVersion());
        sw.put("os", os());
        sw.put("available_processors", Runtime.getRuntime().availableProcessors());
        ObjectNode model = root.putObject("model");
        model.put("id", modelId());
        modelHash().ifPresent(h -> model.put("hash", h));
        initialTrainableHash().ifPresent(h -> model.put("initial_trainable_hash", h));
        model.put("trainable_parameters", trainableParameters());
        root.set("dataset", Json.mapper().valueToTree(dataset()));
        root.put("seed", seed());
        root.set("config", Json.mapper().valueToTree(config()));
        root.put("started_at", startedAt().toString());
        endedAt().ifPresent(t -> root.put("ended_at", t.toString()));
        root.put("resumed_from_step", resumedFromStep());
        root.set("final_metrics", Json.mapper().valueToTree(finalMetrics()));
        return root;
    }

    /** Writes the JSON form to {@code file} atomically. */
    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, Json.write(toJson()));
    }

    /** Reads a provenance file as a JSON tree. */
    public static JsonNode read(Path file) {
        return Json.read(file);
    }

    /** Builds a {@link RunProvenance}; {@code build()} validates it. */
    public static class Builder extends ImmutableRunProvenance.Builder {}
}
