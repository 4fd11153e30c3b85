package dev.mmpeft.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.plots.EvaluationCharts;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * PETAL's ablation (Table 4) as one call: each setting (LoRA, and PETAL with its parts switched on
 * and off) fine-tuned and evaluated on a question-answering task (accuracy) and a captioning task
 * (CIDEr, ROUGE-L F1 and recall), each an independent {@link Experiment} in
 * {@code cells/<task>/<setting>} (finished cells are skipped, so it resumes), summarised in
 * {@code ablation.md}, {@code ablation.csv} and {@code ablation.png}.
 *
 * <pre>{@code
 * List<FineTuning> rows = Ablation.petalVariants(Set.of("dma", "aim", "sib"), FineTuning.dma(PetalMethod.full()));
 * Ablation.Result r = Ablation.run(model, processor, "my-model", qaTask, Optional.of(captionTask), rows, out, System.out);
 * }</pre>
 */
public final class Ablation {
    /** The parts of PETAL an ablation switches. */
    public static final List<String> PARTS = List.of("dma", "aim", "sib");

    private Ablation() {}

    /** One row of the table: a setting's parameters and scores (percent; NaN where a task was not run). */
    public record Row(String setting, String label, long trainableParameters, double accuracy, double cider, double rougeLF1,
            double rougeLRecall) {
        /** Table 4's "Avg.": the mean of the scores that were run. */
        public double average() {
            double sum = 0;
            int n = 0;
            for (double v : new double[] {accuracy, cider, rougeLF1, rougeLRecall}) {
                if (!Double.isNaN(v)) {
                    sum += v;
                    n++;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        }
    }

    /** The ablation's rows, in run order, and where it wrote them. */
    public record Result(List<Row> rows, Path directory) {}

    /**
     * PETAL's variants for the parts named in {@code parts} ({@code dma}, {@code aim}, {@code sib}),
     * as Table 4 lists them: all of them on, each one off in turn, and the mode approximation alone
     * when AIM and SIB are both ablated; parts not named stay as {@code petal} sets them.
     *
     * @param petal a PETAL setting with every part on (its recipe, rank and AIM experts are kept)
     */
    public static List<FineTuning> petalVariants(Set<String> parts, FineTuning petal) {
        if (!(petal.method() instanceof PetalMethod)) {
            throw new ExperimentException("the ablation's base setting must be PETAL (FineTuning.dma), got " + petal.method().name());
        }
        for (String p : parts) {
            if (!PARTS.contains(p)) {
                throw new ExperimentException("unknown ablation part '" + p + "' (expected " + String.join(", ", PARTS) + ")");
            }
        }
        PetalMethod all = (PetalMethod) petal.method();
        Map<String, FineTuning> out = new LinkedHashMap<>();
        List<boolean[]> switches = new ArrayList<>();
        switches.add(new boolean[] {true, true, true});
        for (int i = 0; i < PARTS.size(); i++) {
            if (parts.contains(PARTS.get(i))) {
                boolean[] off = {true, true, true};
                off[i] = false;
                switches.add(off);
            }
        }
        if (parts.contains("aim") && parts.contains("sib")) {
            switches.add(new boolean[] {true, false, false});
        }
        for (boolean[] on : switches) {
            PetalMethod m = all.withParts(on[0] && all.dma(), on[1] && all.aimExperts() > 0, on[2] && all.sib());
            FineTuning s = petal.toBuilder().method(m).build();
            out.putIfAbsent(s.slug(), s);
        }
        return List.copyOf(out.values());
    }

    /**
     * Runs (or resumes) every setting on {@code qa} and, when given, on {@code captions}, on a loaded
     * model (left untouched and open), rewriting the table after every cell.
     */
    public static Result run(InstructBlip model, InstructBlipProcessor processor, String modelId, TaskData qa,
            Optional<TaskData> captions, List<FineTuning> settings, Path out, PrintStream console) throws IOException {
        return run(model, processor, modelId, qa, captions, settings, out, console, ExecutionOptions.defaults());
    }

    /** As {@link #run(InstructBlip, InstructBlipProcessor, String, TaskData, Optional, List, Path, PrintStream)}, training where and how {@code execution} says. */
    public static Result run(InstructBlip model, InstructBlipProcessor processor, String modelId, TaskData qa,
            Optional<TaskData> captions, List<FineTuning> settings, Path out, PrintStream console, ExecutionOptions execution)
            throws IOException {
        Files.createDirectories(out);
        List<Row> rows = new ArrayList<>();
        int total = settings.size() * (captions.isPresent() ? 2 : 1);
        int done = 0;
        for (FineTuning s : settings) {
            Path qaCell = runCell(model, processor, modelId, qa, s, out.resolve(Sweep.CELLS).resolve("qa").resolve(s.slug()), ++done,
                    total, console, execution);
            Optional<Path> capCell = Optional.empty();
            if (captions.isPresent()) {
                capCell = Optional.of(runCell(model, processor, modelId, captions.get(), s,
                        out.resolve(Sweep.CELLS).resolve("captions").resolve(s.slug()), ++done, total, console, execution));
            }
            rows.add(row(s, qaCell, capCell));
            write(rows, out, modelId, qa, captions);
        }
        return new Result(List.copyOf(rows), out);
    }

    private static Path runCell(InstructBlip model, InstructBlipProcessor processor, String modelId, TaskData data, FineTuning s,
            Path cell, int index, int total, PrintStream console, ExecutionOptions execution) throws IOException {
        if (Files.isRegularFile(cell.resolve(Experiment.SUMMARY))) {
            console.printf(Locale.ROOT, "[%d/%d] %s on %s: done before, skipping%n", index, total, s.slug(), data.format());
        } else {
            console.printf(Locale.ROOT, "[%d/%d] %s on %s ...%n", index, total, s.slug(), data.format());
            Experiment.run(BaseModel.of(model, processor, modelId), data, s, cell, false, true, console, execution);
        }
        return cell;
    }

    private static Row row(FineTuning s, Path qaCell, Optional<Path> capCell) {
        JsonNode qa = Json.read(qaCell.resolve(Experiment.SUMMARY));
        double cider = Double.NaN;
        double rlF1 = Double.NaN;
        double rlRecall = Double.NaN;
        if (capCell.isPresent()) {
            JsonNode breakdown = Json.read(capCell.get().resolve(Experiment.SUMMARY)).get("breakdown");
            cider = 100 * breakdown.get("CIDEr").asDouble();
            rlF1 = 100 * breakdown.get("ROUGE_L_F1").asDouble();
            rlRecall = 100 * breakdown.get("ROUGE_L_recall").asDouble();
        }
        String label = s.method() instanceof PetalMethod ? s.componentLabel() : s.method().name() + " " + s.componentLabel()
                + (s.method().size(s) > 0 ? " r=" + s.method().size(s) : "");
        return new Row(s.slug(), label, qa.get("trainable_parameters").asLong(), qa.get("accuracy").asDouble(), cider, rlF1, rlRecall);
    }

    /** {@code ablation.md}, {@code ablation.csv} and {@code ablation.png}. */
    private static void write(List<Row> rows, Path out, String modelId, TaskData qa, Optional<TaskData> captions) throws IOException {
        StringBuilder md = new StringBuilder("# Ablation: ").append(modelId).append("\n\nAccuracy on ").append(qa.format())
                .append(" (`").append(qa.root()).append("`)");
        captions.ifPresent(c -> md.append("; CIDEr and ROUGE-L on ").append(c.format()).append(" (`").append(c.root()).append("`)"));
        md.append(", in percent (PETAL's Table 4 layout).\n\n");
        md.append("| Method | DMA | AIM | SIB | Tunable | Accuracy | CIDEr | ROUGE-L F1 | ROUGE-L Recall | Avg. |\n");
        md.append("|---|:-:|:-:|:-:|---:|---:|---:|---:|---:|---:|\n");
        StringBuilder csv = new StringBuilder("setting,method,dma,aim,sib,trainable_parameters,accuracy,cider,rouge_l_f1,rouge_l_recall,avg\n");
        Map<String, Map<String, Double>> chart = new LinkedHashMap<>();
        for (Row r : rows) {
            Set<String> on = parts(r.label());
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %,d | %s | %s | %s | %s | %s |%n", r.label(), mark(on, "DMA"),
                    mark(on, "AIM"), mark(on, "SIB"), r.trainableParameters(), num(r.accuracy()), num(r.cider()),
                    num(r.rougeLF1()), num(r.rougeLRecall()), num(r.average())));
            csv.append(String.format(Locale.ROOT, "%s,%s,%b,%b,%b,%d,%s,%s,%s,%s,%s%n", r.setting(), r.label(), on.contains("DMA"),
                    on.contains("AIM"), on.contains("SIB"), r.trainableParameters(), num(r.accuracy()), num(r.cider()),
                    num(r.rougeLF1()), num(r.rougeLRecall()), num(r.average())));
            Map<String, Double> bars = new LinkedHashMap<>();
            bars.put("Accuracy", r.accuracy());
            if (!Double.isNaN(r.cider())) {
                bars.put("CIDEr", r.cider());
                bars.put("ROUGE-L F1", r.rougeLF1());
                bars.put("ROUGE-L recall", r.rougeLRecall());
            }
            chart.put(r.label(), bars);
        }
        md.append("\n![ablation](").append(EvaluationCharts.ABLATION_PNG).append(")\n\nCells: `").append(Sweep.CELLS)
                .append("/{qa,captions}/<setting>/` (each a full run: reports, adapter, training metrics).\n");
        AtomicFiles.writeString(out.resolve("ablation.md"), md.toString());
        AtomicFiles.writeString(out.resolve("ablation.csv"), csv.toString());
        EvaluationCharts.writeAblation(chart, out, "Ablation: " + modelId);
    }

    /** The PETAL parts a label names ({@code PETAL DMA+SIB}); none for other methods. */
    private static Set<String> parts(String label) {
        Set<String> out = new LinkedHashSet<>();
        if (label.startsWith("PETAL ")) {
            out.addAll(List.of(label.substring("PETAL ".length()).split("\\+")));
        }
        return out;
    }

    private static String mark(Set<String> on, String part) {
        return on.isEmpty() ? "" : on.contains(part) ? "✓" : "×";
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.2f", v);
    }
}
