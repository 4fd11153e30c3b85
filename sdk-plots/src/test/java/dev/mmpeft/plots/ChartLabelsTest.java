package dev.mmpeft.plots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.eval.report.Comparison;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.CategoryTick;
import org.jfree.chart.text.TextLine;
import org.jfree.chart.ui.RectangleEdge;
import org.junit.jupiter.api.Test;

/**
 * The group labels under the bars are drawn whole: JFreeChart cuts a label wider than its bar to
 * {@code topic=colo...} unless it may wrap, so the labels the axis lays out on the chart's real
 * area are compared, word for word, with the groups.
 */
class ChartLabelsTest {
    @Test
    void comparisonLabelsOfTheQuickstartAreDrawnWhole() {
        Map<String, Double> groups = new LinkedHashMap<>();
        for (String g : List.of("NAT", "TXT", "IMG", "G1-6", "G7-12", "Avg", "topic=colors")) {
            groups.put(g, 20.69);
        }
        assertWhole(groups);
    }

    @Test
    void manyAndLongGroupLabelsAreDrawnWhole() {
        Map<String, Double> groups = new LinkedHashMap<>();
        for (String g : List.of("NAT", "SOC", "LAN", "TXT", "IMG", "NO", "G1-6", "G7-12", "Avg", "topic=physics",
                "topic=science-and-engineering-practices", "skill=Identify-the-experiment-question", "category=Weather and climate")) {
            groups.put(g, 61.53);
        }
        assertWhole(groups);
    }

    private static void assertWhole(Map<String, Double> groups) {
        EvaluationResult.Builder before = EvaluationResult.builder().evaluator("scienceqa").metric("accuracy").headline(20);
        EvaluationResult.Builder after = EvaluationResult.builder().evaluator("scienceqa").metric("accuracy").headline(100);
        groups.forEach((g, v) -> {
            before.putBreakdown(g, v).putGroupSizes(g, 29);
            after.putBreakdown(g, 100.0).putGroupSizes(g, 29);
        });
        Comparison c = Comparison.of(before.build(), after.build());
        List<String> expected = new ArrayList<>();
        c.rows().forEach(r -> expected.add(squeeze(r.group() + " (" + c.signed(r.delta()) + ")")));
        assertEquals(expected, drawnLabels(EvaluationCharts.comparison(c)));

        assertEquals(groups.keySet().stream().map(ChartLabelsTest::squeeze).toList(), drawnLabels(EvaluationCharts.bars(after.build())));
    }

    /** Text without its white space: a label wrapped at a space or a hyphen reads the same. */
    private static String squeeze(String text) {
        return text.replaceAll("\\s+", "");
    }

    /** The domain axis's labels as laid out on the chart's data area, each label's lines joined (white space squeezed out). */
    private static List<String> drawnLabels(JFreeChart chart) {
        ChartRenderingInfo info = new ChartRenderingInfo();
        BufferedImage image = chart.createBufferedImage(EvaluationCharts.WIDTH, EvaluationCharts.HEIGHT, info);
        Graphics2D g2 = image.createGraphics();
        try {
            Rectangle2D area = info.getPlotInfo().getDataArea();
            List<String> labels = new ArrayList<>();
            for (Object t : chart.getCategoryPlot().getDomainAxis().refreshTicks(g2, new AxisState(), area, RectangleEdge.BOTTOM)) {
                List<String> lines = new ArrayList<>();
                for (Object line : ((CategoryTick) t).getLabel().getLines()) {
                    lines.add(((TextLine) line).getFirstTextFragment().getText().strip());
                }
                String label = squeeze(String.join("", lines));
                assertTrue(!label.contains("..."), "a cut label: " + label);
                labels.add(label);
            }
            return labels;
        } finally {
            g2.dispose();
        }
    }
}
