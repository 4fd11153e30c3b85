package dev.mmpeft.eval.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Several runs side by side as in the papers: a table with one row per component and one column
 * per rank (like Table 1 of "PEFT on InstructBLIP for visual reasoning": accuracy, the best rank of
 * each row in bold, and the trainable parameters) and as CSV; sdk-plots draws the same runs as
 * Figure 5 of the LoRA ablation study (accuracy against trainable parameters).
 */
public final class ResultsTable {
    private ResultsTable() {}

    /** Components in first-seen order, each with its runs by rank. */
    private static Map<String, Map<Integer, RunSummary>> byComponent(List<RunSummary> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to tabulate");
        }
        Map<String, Map<Integer, RunSummary>> m = new LinkedHashMap<>();
        for (RunSummary r : runs) {
            RunSummary old = m.computeIfAbsent(r.component(), k -> new LinkedHashMap<>()).put(r.rank(), r);
            if (old != null) {
                throw new IllegalArgumentException("two runs for " + r.component() + " at rank " + r.rank());
            }
        }
        return m;
    }

    private static List<Integer> ranks(List<RunSummary> runs) {
        return new ArrayList<>(new TreeSet<>(runs.stream().map(RunSummary::rank).toList()));
    }

    /** A rank's column and point label: {@code r=N}, or {@code full} for rank 0 (full fine-tuning). */
    static String rankLabel(int rank) {
        return rank == 0 ? "full" : "r=" + rank;
    }

    /** The Markdown tables: accuracy (%) and trainable parameters, component x rank. */
    public static String markdown(List<RunSummary> runs) {
        Map<String, Map<Integer, RunSummary>> rows = byComponent(runs);
        List<Integer> ranks = ranks(runs);
        StringBuilder sb = new StringBuilder("| Component |");
        ranks.forEach(r -> sb.append(' ').append(rankLabel(r)).append(" |"));
        sb.append("\n|---|");
        ranks.forEach(r -> sb.append("---:|"));
        sb.append('\n');
        for (var row : rows.entrySet()) {
            double best = row.getValue().values().stream().mapToDouble(RunSummary::accuracy).max().orElse(Double.NaN);
            sb.append("| ").append(Reports.escape(row.getKey())).append(" |");
            for (int r : ranks) {
                RunSummary run = row.getValue().get(r);
                if (run == null) {
                    sb.append(" - |");
                } else {
                    String acc = Reports.format(run.accuracy(), true);
                    sb.append(' ').append(run.accuracy() == best ? "**" + acc + "**" : acc).append(" |");
                }
            }
            sb.append('\n');
        }
        sb.append("\nAccuracy (%) per component and LoRA rank; the best rank of each row in bold.\n\n");
        sb.append("| Component |");
        ranks.forEach(r -> sb.append(' ').append(rankLabel(r)).append(" |"));
        sb.append("\n|---|");
        ranks.forEach(r -> sb.append("---:|"));
        sb.append('\n');
        for (var row : rows.entrySet()) {
            sb.append("| ").append(Reports.escape(row.getKey())).append(" |");
            for (int r : ranks) {
                RunSummary run = row.getValue().get(r);
                sb.append(' ').append(run == null ? "-" : String.format(Locale.ROOT, "%,d", run.trainableParameters())).append(" |");
            }
            sb.append('\n');
        }
        sb.append("\nTrainable parameters per component and LoRA rank.\n");
        return sb.toString();
    }

    /** One line per run: {@code component,rank,trainable_parameters,accuracy}. */
    public static String csv(List<RunSummary> runs) {
        byComponent(runs);
        StringBuilder sb = new StringBuilder("component,rank,trainable_parameters,accuracy\n");
        for (RunSummary r : runs) {
            sb.append(Reports.csvField(r.component())).append(',').append(r.rank()).append(',')
                    .append(r.trainableParameters()).append(',').append(r.accuracy()).append('\n');
        }
        return sb.toString();
    }

    /** Writes the Markdown (under a {@code title} heading) and the CSV to the given files, each atomically. */
    public static void write(List<RunSummary> runs, Path markdown, Path csv, String title) {
        Reports.write(markdown, "# " + title + "\n\n" + markdown(runs));
        Reports.write(csv, csv(runs));
    }

    /**
     * Writes {@code runs.md} and {@code runs.csv} into {@code dir}; the scatter
     * ({@code accuracy-vs-parameters.png}) is sdk-plots' {@code EvaluationCharts}.
     */
    public static List<Path> writeAll(List<RunSummary> runs, Path dir, String title) {
        Path md = dir.resolve("runs.md");
        Path csv = dir.resolve("runs.csv");
        write(runs, md, csv, title);
        return List.of(md, csv);
    }
}
