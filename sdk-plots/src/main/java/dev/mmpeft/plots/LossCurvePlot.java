package dev.mmpeft.plots;

import dev.mmpeft.core.train.TrainingResult;
import dev.mmpeft.core.train.listener.ListenerContext;
import dev.mmpeft.core.train.listener.TrainingListener;
import dev.mmpeft.core.train.listener.TrainingListenerProvider;
import dev.mmpeft.core.train.listener.ValidationEvent;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws the run's loss curve (every step, and its moving average) with the validation metric on
 * a second axis, as {@code loss_curve.png} in the output folder at the end of the run. It is the
 * trainer's {@code loss-plot} listener, found through the listener registry when this module is on
 * the class path, so the trainer itself needs no chart library.
 */
public final class LossCurvePlot implements TrainingListener {
    public static final String FILE_NAME = "loss_curve.png";
    private final Path dir;
    private final XYSeries validation = new XYSeries("validation");
    private String metric = "validation";

    public LossCurvePlot(Path dir) {
        this.dir = dir;
    }

    @Override
    public void onValidation(ValidationEvent v) {
        validation.add(v.step(), v.value());
        metric = v.metric();
    }

    @Override
    public void onEnd(TrainingResult result) {
        try {
            write(dir.resolve(FILE_NAME), result.losses(), validation, metric);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(FILE_NAME), e);
        }
    }

    /** Writes the chart of {@code losses} (and validation points, if any) to {@code file} atomically. */
    public static void write(Path file, List<Double> losses, XYSeries validation, String metric) throws IOException {
        XYSeries raw = new XYSeries("loss");
        XYSeries smooth = new XYSeries("loss (moving average)");
        int window = Math.max(5, losses.size() / 20);
        double sum = 0;
        int count = 0;
        java.util.ArrayDeque<Double> q = new java.util.ArrayDeque<>();
        for (int i = 0; i < losses.size(); i++) {
            double l = losses.get(i);
            if (!Double.isFinite(l)) {
                continue;
            }
            raw.add(i + 1, l);
            q.add(l);
            sum += l;
            count++;
            if (q.size() > window) {
                sum -= q.removeFirst();
                count--;
            }
            smooth.add(i + 1, sum / count);
        }
        XYSeriesCollection lossData = new XYSeriesCollection();
        lossData.addSeries(raw);
        lossData.addSeries(smooth);
        NumberAxis stepAxis = new NumberAxis("optimizer step");
        NumberAxis lossAxis = new NumberAxis("training loss");
        lossAxis.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer lossRenderer = new XYLineAndShapeRenderer(true, false);
        lossRenderer.setSeriesPaint(0, new Color(120, 160, 220));
        lossRenderer.setSeriesPaint(1, new Color(20, 60, 160));
        lossRenderer.setSeriesStroke(1, new BasicStroke(2.5f));
        XYPlot plot = new XYPlot(lossData, stepAxis, lossAxis, lossRenderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        if (validation.getItemCount() > 0) {
            XYSeriesCollection valData = new XYSeriesCollection(validation);
            NumberAxis valAxis = new NumberAxis("validation " + metric);
            valAxis.setAutoRangeIncludesZero(false);
            XYLineAndShapeRenderer valRenderer = new XYLineAndShapeRenderer(true, true);
            valRenderer.setSeriesPaint(0, new Color(200, 80, 40));
            plot.setRangeAxis(1, valAxis);
            plot.setDataset(1, valData);
            plot.mapDatasetToRangeAxis(1, 1);
            plot.setRenderer(1, valRenderer);
        }
        JFreeChart chart = new JFreeChart("Training loss", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        try {
            Charts.writePng(chart, file, 900, 540);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The {@code loss-plot} provider (does nothing for a run without an output folder). */
    public static final class Provider implements TrainingListenerProvider {
        @Override
        public String name() {
            return "loss-plot";
        }

        @Override
        public TrainingListener create(ListenerContext context) {
            return context.outputDir().<TrainingListener>map(LossCurvePlot::new).orElse(new TrainingListener() {});
        }
    }
}
