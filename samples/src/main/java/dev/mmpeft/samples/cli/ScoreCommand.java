package dev.mmpeft.samples.cli;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.datasets.DatasetReader;
import dev.mmpeft.datasets.DatasetReaders;
import dev.mmpeft.datasets.ImageCheck;
import dev.mmpeft.datasets.MissingImages;
import dev.mmpeft.eval.EvaluationException;
import dev.mmpeft.eval.Evaluators;
import dev.mmpeft.eval.Scores;
import dev.mmpeft.eval.Predictions;
import dev.mmpeft.eval.report.Reports;
import dev.mmpeft.plots.EvaluationCharts;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code ./mmpeft score}: scores predictions made anywhere (this SDK, LAVIS, a paper's released
 * result file) against a dataset's answer key, with the official breakdowns, and writes the
 * reports. Images are not needed: only the records are read.
 */
@Command(
        name = "score",
        header = "Scores a predictions file against a dataset with the official breakdown.",
        mixinStandardHelpOptions = true,
        description = {
            "Score predictions against a dataset as the official scripts do (ScienceQA NAT/SOC/LAN/TXT/IMG/NO/G1-6/G7-12/Avg,"
                    + " IconQA per sub-task and skill) and print the breakdown.",
            "The predictions file is the official results format {\"results\": {pid: value}}, a plain {pid: value}"
                    + " object, or JSON Lines {\"id\": ..., \"prediction\": ...}; a value is a choice index or answer text."
        })
final class ScoreCommand implements Callable<Integer> {
    @Option(names = "--format", required = true, description = "Dataset format: scienceqa, iconqa, jsonl, flickr30k, textcaps, okvqa,"
            + " aokvqa or textvqa.")
    String format = "";

    @Option(names = {"--root", "--data"}, required = true, description = "Dataset folder (official layout), or a .jsonl file.")
    Path root = Path.of("");

    @Option(names = "--split", defaultValue = "test", description = "Split to score (default: ${DEFAULT-VALUE}).")
    String split = "test";

    @Option(names = "--subtask", split = ",", description = "IconQA sub-task(s): choose_txt, choose_img, fill_in_blank (default: all).")
    List<String> subtasks = new ArrayList<>();

    @Option(names = "--images-only", description = "Only records with an image (ScienceQA-IMG, the papers' setting).")
    boolean imagesOnly;

    @Option(
            names = "--predictions",
            required = true,
            split = ",",
            description = "The predictions file; several (repeat the flag or separate with commas) are merged, a later"
                    + " file winning for an id both have, as IconQA's sub_acc.py merges its three result files.")
    List<Path> predictions = new ArrayList<>();

    @Option(
            names = "--evaluator",
            description = "Evaluator to use (default: scienceqa or iconqa by format; for jsonl multiple-choice or exact-match by"
                    + " the records). One of: ${COMPLETION-CANDIDATES}.",
            completionCandidates = EvaluatorNames.class)
    @Nullable String evaluator;

    @Option(names = "--report-dir", description = "Write result.json, result.md, result.csv, records.csv and result.png here.")
    @Nullable Path reportDir;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.exists(root)) {
            throw new EvaluationException("dataset folder " + root + " does not exist (--root)");
        }
        String sources = predictions.size() == 1 ? predictions.get(0).toString() : predictions.toString();
        DatasetReader reader = DatasetReaders.forFormat(format)
                .root(root)
                .split(split)
                .imagesOnly(imagesOnly)
                .missingImages(MissingImages.KEEP) // scoring reads answers, not pixels
                .imageCheck(ImageCheck.NONE);
        if (!subtasks.isEmpty()) {
            reader = reader.subtasks(subtasks.toArray(String[]::new));
        }
        List<MultimodalExample> examples = reader.readAll();
        if (examples.isEmpty()) {
            throw new EvaluationException("no " + format + " records in split '" + split + "' under " + root);
        }
        if (evaluator == null && openFormat()) {
            return scoreOpen(examples, sources, out);
        }
        Map<String, Prediction> preds = new java.util.LinkedHashMap<>();
        Set<String> formats = new java.util.TreeSet<>();
        for (Path file : predictions) {
            Predictions.Read read = Predictions.readWithFormat(file);
            preds.putAll(read.predictions());
            formats.add(read.format().name().toLowerCase(Locale.ROOT));
        }
        Set<String> ids = new HashSet<>();
        examples.forEach(e -> ids.add(e.id()));
        long matched = preds.keySet().stream().filter(ids::contains).count();
        if (matched == 0) {
            throw new EvaluationException(sources + ": none of its " + preds.size() + " predictions answers a record of "
                    + format + " split '" + split + "' (expected ids such as " + examples.get(0).id() + ")");
        }
        Evaluator eval = Evaluators.forName(evaluator != null ? evaluator : defaultEvaluator(examples));
        EvaluationResult result = eval.evaluate(examples, preds);

        out.printf(Locale.ROOT, "%s %s on %s split '%s': %d examples, %d predictions (%s), %d matched%n",
                result.evaluator(), result.metric(), format, split, examples.size(), preds.size(),
                String.join("+", formats), matched);
        boolean percent = result.metric().contains("accuracy");
        // Official groups first; metadata groups (topic=..., answer_type=...) in their own block.
        Map<String, Double> main = new java.util.LinkedHashMap<>();
        Map<String, Double> extra = new java.util.LinkedHashMap<>();
        result.breakdown().forEach((g, v) -> (g.contains("=") ? extra : main).put(g, v));
        printGroups(out, main, result, percent);
        if (!extra.isEmpty()) {
            out.println("per " + extra.keySet().iterator().next().split("=", 2)[0] + " and other fields:");
            printGroups(out, extra, result, percent);
        }
        List<String> unreadable = result.records().stream()
                .filter(EvaluationResult.ExampleOutcome::unparseable).map(EvaluationResult.ExampleOutcome::exampleId).toList();
        if (!unreadable.isEmpty()) {
            out.printf(Locale.ROOT, "%d answer(s) missing or unreadable (counted as wrong): %s%s%n", unreadable.size(),
                    String.join(", ", unreadable.subList(0, Math.min(20, unreadable.size()))),
                    unreadable.size() > 20 ? ", ..." : "");
        }
        if (matched < preds.size()) {
            out.printf(Locale.ROOT, "%d predictions answer no record of this split and were ignored%n", preds.size() - matched);
        }
        out.printf(Locale.ROOT, "%s: %s%n", percent ? "Avg" : result.metric(),
                String.format(Locale.ROOT, percent ? "%.2f" : "%.4f", result.headline()));
        if (reportDir != null) {
            List<Path> files = new java.util.ArrayList<>(Reports.writeAll(result, reportDir));
            files.add(EvaluationCharts.writeResult(result, reportDir));
            out.println("reports: " + String.join(", ", files.stream().map(Path::toString).toList()));
        }
        out.flush();
        return 0;
    }

    /** Whether the format has its own official scoring (captions, open and knowledge VQA): scored by {@link Scores}. */
    private boolean openFormat() {
        dev.mmpeft.datasets.TaskType type = DatasetReaders.forFormat(format).taskType();
        return type == dev.mmpeft.datasets.TaskType.CAPTIONING || type == dev.mmpeft.datasets.TaskType.OPEN_VQA
                || type == dev.mmpeft.datasets.TaskType.MULTIPLE_CHOICE_AND_OPEN_VQA;
    }

    /**
     * Scores an open format with its official metric ({@link Scores}): predictions read for the
     * examples (server lists, captions keyed by image, A-OKVQA's leaderboard file), printed as
     * {@code accuracy: NN.NN} (and MC/DA) or CIDEr and ROUGE times 100.
     */
    private int scoreOpen(List<MultimodalExample> examples, String sources, PrintWriter out) {
        Map<String, Prediction> preds = new java.util.LinkedHashMap<>();
        for (Path file : predictions) {
            preds.putAll(Predictions.readFor(file, examples));
        }
        long matched = examples.stream().filter(e -> preds.containsKey(e.id())).count();
        if (matched == 0) {
            throw new EvaluationException(sources + ": none of its " + preds.size() + " predictions answers a record of "
                    + format + " split '" + split + "' (expected ids such as " + examples.get(0).id() + ")");
        }
        EvaluationResult result = Evaluators.forName(format.toLowerCase(Locale.ROOT)).evaluate(examples, preds);
        out.printf(Locale.ROOT, "%s %s on %s split '%s': %d examples, %d predictions, %d matched%n", result.evaluator(),
                result.metric(), format, split, examples.size(), preds.size(), matched);
        out.print(Scores.summary(result));
        if (reportDir != null) {
            List<Path> files = new java.util.ArrayList<>(Reports.writeAll(result, reportDir));
            files.add(EvaluationCharts.writeResult(result, reportDir));
            out.println("reports: " + String.join(", ", files.stream().map(Path::toString).toList()));
        }
        out.flush();
        return 0;
    }

    private static void printGroups(PrintWriter out, Map<String, Double> groups, EvaluationResult result, boolean percent) {
        int width = groups.keySet().stream().mapToInt(String::length).max().orElse(4);
        for (Map.Entry<String, Double> e : groups.entrySet()) {
            out.printf(Locale.ROOT, "  %-" + width + "s %8s  (%d)%n", e.getKey(),
                    String.format(Locale.ROOT, percent ? "%.2f" : "%.4f", e.getValue()),
                    result.groupSizes().getOrDefault(e.getKey(), 0));
        }
    }

    private String defaultEvaluator(List<MultimodalExample> examples) {
        switch (format.toLowerCase(Locale.ROOT)) {
            case "scienceqa":
                return "scienceqa";
            case "iconqa":
                return "iconqa";
            default:
                long choice = examples.stream().filter(MultimodalExample::isMultipleChoice).count();
                if (choice == examples.size()) {
                    return "multiple-choice";
                }
                if (choice == 0) {
                    return "exact-match";
                }
                throw new EvaluationException(root + ": " + choice + " multiple-choice and " + (examples.size() - choice)
                        + " open records; choose how to score them with --evaluator (" + String.join(", ", Evaluators.names()) + ")");
        }
    }

    /** The evaluator names for the help text. */
    static final class EvaluatorNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Evaluators.names().iterator();
        }
    }
}
