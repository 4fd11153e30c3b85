package dev.mmpeft.plots;

import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.eval.report.Comparison;
import dev.mmpeft.eval.report.Reports;
import dev.mmpeft.eval.report.RunSummary;
import java.awt.BasicStroke;
import java.awt.Font;
import java.awt.Polygon;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.labels.XYItemLabelGenerator;
import org.jfree.chart.plot.DefaultDrawingSupplier;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The charts of evaluation results: the metric per group of one result, a baseline against a
 * candidate per group, and accuracy against trainable parameters of several runs (the papers'
 * Figure 5). They live here, not in sdk-eval, so reports need no chart library.
 *
 * <pre>{@code
 * EvaluationCharts.writeResult(result, Path.of("reports/sqa"));            // result.png
 * EvaluationCharts.writeComparison(Comparison.of(zeroShot, tuned), dir);   // comparison.png
 * }</pre>
 */
public final class EvaluationCharts {
    /** Default chart size in pixels. */
    public static final int WIDTH = 1000;

    public static final int HEIGHT = 560;

    /** Lines a group label may wrap onto under its bars. */
    private static final int MAX_LABEL_LINES = 4;

    /** The file names the writers use, beside the reports of the same name. */
    public static final String RESULT_PNG = "result.png";

    public static final String COMPARISON_PNG = "comparison.png";

    public static final String SCATTER_PNG = "accuracy-vs-parameters.png";

    public static final String ABLATION_PNG = "ablation.png";

    private EvaluationCharts() {}

    /** The bar chart of the metric per group (values printed on the bars). */
    public static JFreeChart bars(EvaluationResult r) {
        boolean percent = Reports.isPercent(r);
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        r.breakdown().forEach((g, v) -> data.addValue(v, r.metric(), g));
        JFreeChart chart = ChartFactory.createBarChart(r.evaluator() + ": " + r.metric() + " per group", "Group",
                Reports.unit(r), data, PlotOrientation.VERTICAL, false, false, false);
        Charts.style(chart);
        CategoryPlot plot = chart.getCategoryPlot();
        if (percent) {
            plot.getRangeAxis().setRange(0, 105);
        }
        wholeLabels(plot, r.breakdown().size() > 12);
        var renderer = plot.getRenderer();
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator(
                "{2}", percent ? Charts.TWO_DECIMALS : new DecimalFormat("0.0000")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        return chart;
    }

    /** Grouped bars, baseline and candidate per group; the group labels carry the difference. */
    public static JFreeChart comparison(Comparison c) {
        EvaluationResult candidate = c.candidate();
        boolean percent = Reports.isPercent(candidate);
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Comparison.Row r : c.rows()) {
            String label = r.group() + " (" + c.signed(r.delta()) + ")";
            data.addValue(r.zeroShot(), c.baselineName(), label);
            data.addValue(r.fineTuned(), c.candidateName(), label);
        }
        JFreeChart chart = ChartFactory.createBarChart(
                candidate.evaluator() + ": " + c.baselineName() + " vs " + c.candidateName(), "Group (difference)",
                Reports.unit(candidate), data, PlotOrientation.VERTICAL, true, false, false);
        Charts.style(chart);
        CategoryPlot plot = chart.getCategoryPlot();
        if (percent) {
            plot.getRangeAxis().setRange(0, 105);
        }
        wholeLabels(plot, c.rows().size() > 8);
        var renderer = plot.getRenderer();
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator(
                "{2}", percent ? new DecimalFormat("0.0") : new DecimalFormat("0.000")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
        return chart;
    }

    /**
     * Lets group labels wrap onto several lines (rotated when there are many groups): JFreeChart
     * otherwise cuts a label wider than its bar to {@code G1-6 (+...}, which says nothing.
     */
    private static void wholeLabels(CategoryPlot plot, boolean rotate) {
        if (rotate) {
            plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        }
        plot.getDomainAxis().setMaximumCategoryLabelLines(MAX_LABEL_LINES);
    }

    /** Accuracy against trainable parameters (log scale), a series per component, points labelled r=N. */
    public static JFreeChart accuracyVsParameters(List<RunSummary> runs, String title) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to plot");
        }
        return accuracyVsParameters(title, runs.stream()
                .map(r -> new ScatterPoint(r.component(), rankLabel(r.rank()), r.trainableParameters(), r.accuracy())).toList());
    }

    /**
     * Accuracy against trainable parameters (log scale): a series per {@link ScatterPoint#series()}
     * (a method, say), each with its own marker shape and colour, every point labelled. The empirical
     * PEFT study's comparison is this chart with a series per method.
     */
    public static JFreeChart accuracyVsParameters(String title, List<ScatterPoint> points) {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no points to plot");
        }
        Map<String, List<ScatterPoint>> rows = new LinkedHashMap<>();
        points.forEach(p -> rows.computeIfAbsent(p.series(), k -> new ArrayList<>()).add(p));
        XYSeriesCollection data = new XYSeriesCollection();
        List<List<ScatterPoint>> bySeries = new ArrayList<>();
        for (var row : rows.entrySet()) {
            XYSeries series = new XYSeries(row.getKey(), false, true);
            List<ScatterPoint> sorted = new ArrayList<>(row.getValue());
            sorted.forEach(p -> series.add(p.trainableParameters(), p.accuracy()));
            // XYSeries sorts by x: keep the points in the same order for the labels
            sorted.sort((a, b) -> Long.compare(a.trainableParameters(), b.trainableParameters()));
            bySeries.add(sorted);
            data.addSeries(series);
        }
        LogAxis x = new LogAxis("Trainable parameters (log scale)");
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setNumberFormatOverride(new DecimalFormat("#,##0"));
        double min = points.stream().mapToLong(ScatterPoint::trainableParameters).min().orElse(1);
        double max = points.stream().mapToLong(ScatterPoint::trainableParameters).max().orElse(10);
        x.setRange(min / 1.6, max * 1.6);
        NumberAxis y = new NumberAxis("Accuracy (%)");
        y.setAutoRangeIncludesZero(false);
        double lo = points.stream().mapToDouble(ScatterPoint::accuracy).min().orElse(0);
        double hi = points.stream().mapToDouble(ScatterPoint::accuracy).max().orElse(100);
        double pad = Math.max(1, (hi - lo) * 0.15);
        y.setRange(lo - pad, hi + pad);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        XYItemLabelGenerator labels = (dataset, series, item) -> bySeries.get(series).get(item).label();
        renderer.setDefaultItemLabelGenerator(labels);
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesShape(i, marker(i));
            renderer.setSeriesStroke(i, new BasicStroke(1.5f));
        }
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, new XYPlot(data, x, y, renderer), true);
        Charts.style(chart);
        return chart;
    }

    /**
     * The marker of the {@code i}-th series: circle, square, triangle, diamond, down-triangle, cross,
     * then JFreeChart's standard shapes.
     */
    static Shape marker(int i) {
        Shape[] standard = DefaultDrawingSupplier.createStandardSeriesShapes();
        Shape[] first = {new Ellipse2D.Double(-5, -5, 10, 10), new Rectangle2D.Double(-4.5, -4.5, 9, 9),
            new Polygon(new int[] {0, 5, -5}, new int[] {-6, 4, 4}, 3), new Polygon(new int[] {0, 6, 0, -6}, new int[] {-6, 0, 6, 0}, 4),
            new Polygon(new int[] {0, 5, -5}, new int[] {6, -4, -4}, 3),
            new Polygon(new int[] {-2, 2, 2, 6, 6, 2, 2, -2, -2, -6, -6, -2}, new int[] {-6, -6, -2, -2, 2, 2, 6, 6, 2, 2, -2, -2}, 12)};
        return i < first.length ? first[i] : standard[(i - first.length) % standard.length];
    }

    /**
     * Grouped bars of an ablation (PETAL's Table 4): one group per variant, one bar per metric
     * (accuracy, CIDEr, ROUGE, in percent), values printed on the bars.
     *
     * @param rows variant to metric to value, in table order
     */
    public static JFreeChart ablation(Map<String, Map<String, Double>> rows, String title) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no variant to plot");
        }
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        rows.forEach((variant, metrics) -> metrics.forEach((metric, v) -> data.addValue(v, metric, variant)));
        JFreeChart chart = ChartFactory.createBarChart(title, "Variant", "Score (%)", data, PlotOrientation.VERTICAL, true, false,
                false);
        Charts.style(chart);
        CategoryPlot plot = chart.getCategoryPlot();
        if (rows.size() > 5) {
            plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        }
        var renderer = plot.getRenderer();
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.0")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
        return chart;
    }

    /** Writes {@code ablation.png} ({@link #ablation}) into {@code dir}, atomically; returns its path. */
    public static Path writeAblation(Map<String, Map<String, Double>> rows, Path dir, String title) {
        return Charts.writePng(ablation(rows, title), dir.resolve(ABLATION_PNG), WIDTH, HEIGHT);
    }

    /** A rank's point label: {@code r=N}, or {@code full} for rank 0 (full fine-tuning), as the table's columns. */
    static String rankLabel(int rank) {
        return rank == 0 ? "full" : "r=" + rank;
    }

    /** Writes {@code result.png} (the bar chart) into {@code dir}, atomically; returns its path. */
    public static Path writeResult(EvaluationResult r, Path dir) {
        return Charts.writePng(bars(r), dir.resolve(RESULT_PNG), WIDTH, HEIGHT);
    }

    /** Writes {@code comparison.png} into {@code dir}, atomically; returns its path. */
    public static Path writeComparison(Comparison c, Path dir) {
        return Charts.writePng(comparison(c), dir.resolve(COMPARISON_PNG), WIDTH, HEIGHT);
    }

    /** Writes {@code accuracy-vs-parameters.png} into {@code dir}, atomically; returns its path. */
    public static Path writeAccuracyVsParameters(List<RunSummary> runs, Path dir, String title) {
        return Charts.writePng(accuracyVsParameters(runs, title), dir.resolve(SCATTER_PNG), WIDTH, HEIGHT);
    }

    /** Writes {@code accuracy-vs-parameters.png} of labelled points (a series per method, say) into {@code dir}, atomically. */
    public static Path writeAccuracyVsParameters(String title, List<ScatterPoint> points, Path dir) {
        return Charts.writePng(accuracyVsParameters(title, points), dir.resolve(SCATTER_PNG), WIDTH, HEIGHT);
    }
}
