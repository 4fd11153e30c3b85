package dev.mmpeft.core.train.listener;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.train.TrainingResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The run's metrics as files in its output folder, appended and flushed as they happen (a killed
 * run keeps its log): {@code metrics.jsonl} (one JSON object per step, epoch and validation, with
 * an {@code event} field), {@code steps.csv}, {@code epochs.csv} and {@code validations.csv}. A
 * resumed run first drops the lines of steps after its checkpoint, so every step appears once.
 */
public final class MetricsLog implements TrainingListener {
    public static final String JSONL = "metrics.jsonl";
    public static final String STEPS_CSV = "steps.csv";
    public static final String EPOCHS_CSV = "epochs.csv";
    public static final String VALIDATIONS_CSV = "validations.csv";
    private static final ObjectMapper LINE = Json.mapper().copy().disable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private BufferedWriter jsonl;
    private BufferedWriter steps;
    private BufferedWriter epochs;
    private BufferedWriter validations;

    public MetricsLog(Path dir) {
        this.dir = dir;
    }

    @Override
    public void onStart(RunStart start) {
        try {
            Files.createDirectories(dir);
            truncateAfter(dir.resolve(JSONL), start.startStep(), true);
            truncateAfter(dir.resolve(STEPS_CSV), start.startStep(), false);
            truncateAfter(dir.resolve(EPOCHS_CSV), start.startStep(), false);
            truncateAfter(dir.resolve(VALIDATIONS_CSV), start.startStep(), false);
            jsonl = open(JSONL, null);
            steps = open(STEPS_CSV, "step,epoch,loss,lr,grad_norm,samples,samples_per_s,step_s,elapsed_s,skipped");
            epochs = open(EPOCHS_CSV, "step,epoch,mean_loss,steps,seconds");
            validations = open(VALIDATIONS_CSV, "step,epoch,metric,value,best,improved");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the metrics log in " + dir, e);
        }
    }

    private BufferedWriter open(String name, String header) throws IOException {
        Path f = dir.resolve(name);
        boolean fresh = !Files.exists(f) || Files.size(f) == 0;
        BufferedWriter w = Files.newBufferedWriter(f, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (fresh && header != null) {
            w.write(header);
            w.newLine();
        }
        return w;
    }

    /** Keeps the header and the lines whose step (first CSV column or "step" field) is <= {@code step}. */
    private static void truncateAfter(Path file, long step, boolean json) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        List<String> kept = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            long s;
            try {
                if (json) {
                    JsonNode n = Json.parse(line, file.toString());
                    s = n.path("step").asLong();
                } else if (i == 0) {
                    kept.add(line);
                    continue;
                } else {
                    s = Long.parseLong(line.substring(0, line.indexOf(',')));
                }
            } catch (RuntimeException e) {
                continue; // a line cut by a kill: drop it
            }
            if (s <= step) {
                kept.add(line);
            }
        }
        AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
    }

    @Override
    public void onStep(StepEvent s) {
        ObjectNode n = LINE.createObjectNode();
        n.put("event", "step");
        n.put("step", s.step());
        n.put("epoch", s.epoch());
        n.put("loss", s.loss());
        n.put("lr", s.lr());
        n.put("grad_norm", s.gradNorm());
        n.put("samples", s.samples());
        n.put("samples_per_s", s.samplesPerSecond());
        n.put("step_s", s.stepSeconds());
        n.put("elapsed_s", s.elapsedSeconds());
        n.put("skipped", s.skipped());
        s.lossTerms().forEach((k, v) -> n.put(k + "_loss", v));
        write(jsonl, json(n));
        write(steps, String.format(Locale.ROOT, "%d,%d,%s,%s,%s,%d,%.3f,%.5f,%.3f,%b", s.step(), s.epoch(), num(s.loss()),
                num(s.lr()), num(s.gradNorm()), s.samples(), s.samplesPerSecond(), s.stepSeconds(), s.elapsedSeconds(),
                s.skipped()));
    }

    @Override
    public void onEpochEnd(EpochEvent e) {
        ObjectNode n = LINE.createObjectNode();
        n.put("event", "epoch");
        n.put("step", e.step());
        n.put("epoch", e.epoch());
        n.put("mean_loss", e.meanLoss());
        n.put("steps", e.steps());
        n.put("seconds", e.seconds());
        write(jsonl, json(n));
        write(epochs, String.format(Locale.ROOT, "%d,%d,%s,%d,%.3f", e.step(), e.epoch(), num(e.meanLoss()), e.steps(), e.seconds()));
    }

    @Override
    public void onValidation(ValidationEvent v) {
        ObjectNode n = LINE.createObjectNode();
        n.put("event", "validation");
        n.put("step", v.step());
        n.put("epoch", v.epoch());
        n.put("metric", v.metric());
        n.put("value", v.value());
        n.put("best", v.best());
        n.put("improved", v.improved());
        n.put("evaluator", v.result().evaluator());
        ObjectNode b = n.putObject("breakdown");
        v.result().breakdown().forEach(b::put);
        write(jsonl, json(n));
        write(validations, String.format(Locale.ROOT, "%d,%d,%s,%s,%s,%b", v.step(), v.epoch(), v.metric(), num(v.value()),
                num(v.best()), v.improved()));
    }

    @Override
    public void onEnd(TrainingResult result) {
        close(jsonl);
        close(steps);
        close(epochs);
        close(validations);
    }

    private static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : (Double.isNaN(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"));
    }

    private static String json(ObjectNode n) {
        try {
            return LINE.writeValueAsString(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(BufferedWriter w, String line) {
        try {
            w.write(line);
            w.newLine();
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void close(BufferedWriter w) {
        try {
            if (w != null) {
                w.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code metrics} provider (does nothing for a run without an output folder). */
    public static final class Provider implements TrainingListenerProvider {
        @Override
        public String name() {
            return "metrics";
        }

        @Override
        public TrainingListener create(ListenerContext context) {
            return context.outputDir().<TrainingListener>map(MetricsLog::new).orElse(new TrainingListener() {});
        }
    }
}
