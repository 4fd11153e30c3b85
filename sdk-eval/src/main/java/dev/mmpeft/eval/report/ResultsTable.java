package dev.mmpeft.eval.report;

import java.awt.BasicStroke;
import java.awt.Font;
import java.awt.geom.Ellipse2D;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.XYItemLabelGenerator;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Several runs side by side as in the papers: a table with one row per component and one column
 * per rank (like Table 1 of "PEFT on InstructBLIP for visual reasoning": accuracy, the best rank of
 * each row in bold, and the trainable parameters), and accuracy against trainable parameters as a
 * scatter with a log axis (like Figure 5 of the LoRA ablation study), one series per component,
 * each point labelled with its rank.
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

    /** Accuracy against trainable parameters (log scale), a series per component, points labelled r=N. */
    public static JFreeChart scatter(List<RunSummary> runs, String title) {
        Charts.headless();
        Map<String, Map<Integer, RunSummary>> rows = byComponent(runs);
        XYSeriesCollection data = new XYSeriesCollection();
        Map<Integer, List<RunSummary>> bySeries = new LinkedHashMap<>();
        int s = 0;
        for (var row : rows.entrySet()) {
            XYSeries series = new XYSeries(row.getKey(), false, true);
            List<RunSummary> points = new ArrayList<>(row.getValue().values());
            for (RunSummary r : points) {
                series.add(r.trainableParameters(), r.accuracy());
            }
            // XYSeries sorts by x: keep the runs in the same order for the labels.
            points.sort((a, b) -> Long.compare(a.trainableParameters(), b.trainableParameters()));
            bySeries.put(s++, points);
            data.addSeries(series);
        }
        LogAxis x = new LogAxis("Trainable parameters (log scale)");
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setNumberFormatOverride(new java.text.DecimalFormat("#,##0"));
        double min = runs.stream().mapToLong(RunSummary::trainableParameters).min().orElse(1);
        double max = runs.stream().mapToLong(RunSummary::trainableParameters).max().orElse(10);
        x.setRange(min / 1.6, max * 1.6);
        NumberAxis y = new NumberAxis("Accuracy (%)");
        y.setAutoRangeIncludesZero(false);
        double lo = runs.stream().mapToDouble(RunSummary::accuracy).min().orElse(0);
        double hi = runs.stream().mapToDouble(RunSummary::accuracy).max().orElse(100);
        double pad = Math.max(1, (hi - lo) * 0.15);
        y.setRange(lo - pad, hi + pad);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        XYItemLabelGenerator labels = (dataset, series, item) -> rankLabel(bySeries.get(series).get(item).rank());
        renderer.setDefaultItemLabelGenerator(labels);
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesShape(i, new Ellipse2D.Double(-5, -5, 10, 10));
            renderer.setSeriesStroke(i, new BasicStroke(1.5f));
        }
        XYPlot plot = new XYPlot(data, x, y, renderer);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        Charts.style(chart);
        return chart;
    }

    /** Writes the Markdown, the CSV and the scatter PNG to the given files, each atomically. */
    public static void write(List<RunSummary> runs, Path markdown, Path csv, Path png, String title) {
        Reports.write(markdown, "# " + title + "\n\n" + markdown(runs));
        Reports.write(csv, csv(runs));
        Charts.writePng(scatter(runs, title), png, Reports.WIDTH, Reports.HEIGHT);
    }

    /** Writes {@code runs.md}, {@code runs.csv} and {@code accuracy-vs-parameters.png} into {@code dir}. */
    public static List<Path> writeAll(List<RunSummary> runs, Path dir, String title) {
        Path md = dir.resolve("runs.md");
        Path csv = dir.resolve("runs.csv");
        Path png = dir.resolve("accuracy-vs-parameters.png");
        write(runs, md, csv, png, title);
        return List.of(md, csv, png);
    }
}
