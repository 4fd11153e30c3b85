package dev.mmpeft.plots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.Device;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.TrainingResult;
import dev.mmpeft.core.train.Validator;
import dev.mmpeft.core.train.testing.TinyClassifier;
import dev.mmpeft.eval.report.Comparison;
import dev.mmpeft.eval.report.RunSummary;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYItemRenderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every chart the SDK draws, decoded and measured: the loss curve that the trainer's
 * {@code loss-plot} listener writes once this module is on the class path, and the evaluation
 * charts. None of them changes the host JVM's AWT mode.
 */
class ChartsTest {
    static EvaluationResult scienceQa(double nat, double img, double avg) {
        return EvaluationResult.builder().evaluator("scienceqa").metric("accuracy").headline(avg)
                .putBreakdown("NAT", nat).putGroupSizes("NAT", 30)
                .putBreakdown("IMG", img).putGroupSizes("IMG", 24)
                .putBreakdown("Avg", avg).putGroupSizes("Avg", 50)
                .build();
    }

    @Test
    void lossPlotListenerIsFoundByNameAndDrawsTheRun(@TempDir Path out) throws IOException {
        String headlessBefore = System.getProperty("java.awt.headless");
        List<TinyClassifier.Sample> train = TinyClassifier.data(64, 6, 3, 1);
        TrainingResult r;
        try (TinyClassifier model = new TinyClassifier(Device.cpu(), 6, 16, 3, 0f, 99, Set.copyOf(TinyClassifier.ALL))) {
            r = Trainer.builder().listeners("loss-plot").epochs(3).batchSize(16).outputDir(out).build()
                    .fit(model, train, Validator.loss(TinyClassifier.data(32, 6, 3, 2), 32));
        }
        assertEquals(12, r.steps());
        BufferedImage png = ImageIO.read(out.resolve(LossCurvePlot.FILE_NAME).toFile());
        assertEquals(900, png.getWidth());
        assertEquals(540, png.getHeight());
        assertTrue(distinctColours(png) > 3, "the curve draws something");
        assertEquals(headlessBefore, System.getProperty("java.awt.headless"), "java.awt.headless must stay as the host set it");
    }

    @Test
    void resultComparisonAndScatterCharts(@TempDir Path dir) throws IOException {
        String headlessBefore = System.getProperty("java.awt.headless");
        EvaluationResult zeroShot = scienceQa(70.4, 60.0, 68.0);
        EvaluationResult tuned = scienceQa(86.42, 84.5, 86.0);
        Path result = EvaluationCharts.writeResult(tuned, dir.resolve("r"));
        Path comparison = EvaluationCharts.writeComparison(Comparison.of(zeroShot, tuned), dir.resolve("c"));
        Path scatter = EvaluationCharts.writeAccuracyVsParameters(List.of(
                RunSummary.of("LLM FFN", 1, 1_032_192, 86.42), RunSummary.of("LLM FFN", 2, 2_064_384, 86.37),
                RunSummary.of("Q-Former cross-attn", 1, 44_544, 84.13)), dir, "accuracy vs trainable parameters");
        assertEquals(dir.resolve("r/result.png"), result);
        assertEquals(dir.resolve("c/comparison.png"), comparison);
        assertEquals(dir.resolve("accuracy-vs-parameters.png"), scatter);
        for (Path p : List.of(result, comparison, scatter)) {
            BufferedImage png = ImageIO.read(p.toFile());
            assertEquals(EvaluationCharts.WIDTH, png.getWidth(), p.toString());
            assertEquals(EvaluationCharts.HEIGHT, png.getHeight(), p.toString());
            assertTrue(distinctColours(png) > 3, p + " draws something");
        }
        // different data, different pictures
        BufferedImage a = ImageIO.read(result.toFile());
        BufferedImage b = ImageIO.read(EvaluationCharts.writeResult(zeroShot, dir.resolve("z")).toFile());
        assertNotEquals(hash(a), hash(b));
        try (Stream<Path> files = Files.list(dir.resolve("r"))) {
            assertEquals(1, files.count(), "written atomically: no temporary file left");
        }
        assertEquals("r=4", EvaluationCharts.rankLabel(4));
        assertEquals("full", EvaluationCharts.rankLabel(0));
        assertEquals(headlessBefore, System.getProperty("java.awt.headless"));
    }

    @Test
    void aComparisonOfMethodsHasASeriesAndAMarkerPerMethod(@TempDir Path dir) throws IOException {
        List<ScatterPoint> points = List.of(
                new ScatterPoint("LoRA", "r=2 frozen", 8_064, 100.0), new ScatterPoint("LoRA", "r=2 tuned", 10_416, 100.0),
                new ScatterPoint("IA3", "frozen", 1_344, 55.0), new ScatterPoint("IA3", "tuned", 3_696, 99.17),
                new ScatterPoint("Adapter", "s=8 frozen", 3_296, 100.0), new ScatterPoint("Prefix", "vt=10 frozen", 1_920, 58.33));
        JFreeChart chart = EvaluationCharts.accuracyVsParameters("PEFT methods", points);
        XYPlot plot = chart.getXYPlot();
        assertEquals(4, plot.getDataset().getSeriesCount());
        assertEquals(List.of("LoRA", "IA3", "Adapter", "Prefix"), java.util.stream.IntStream.range(0, 4)
                .mapToObj(i -> plot.getDataset().getSeriesKey(i).toString()).toList());
        // IA3's points in x order, labelled by their own size and connector
        assertEquals(1_344.0, plot.getDataset().getXValue(1, 0));
        assertEquals(99.17, plot.getDataset().getYValue(1, 1));
        XYItemRenderer renderer = plot.getRenderer();
        assertEquals("tuned", renderer.getItemLabelGenerator(1, 1).generateLabel(plot.getDataset(), 1, 1));
        assertEquals("vt=10 frozen", renderer.getItemLabelGenerator(3, 0).generateLabel(plot.getDataset(), 3, 0));
        java.util.Set<String> shapes = new java.util.HashSet<>();
        for (int i = 0; i < 4; i++) {
            java.awt.Shape shape = renderer.getSeriesShape(i);
            shapes.add(shape.getClass().getSimpleName() + java.util.Arrays.toString(new double[] {
                shape.getBounds2D().getWidth(), shape.getBounds2D().getHeight()}) + new java.awt.geom.Area(shape).isRectangular());
        }
        assertEquals(4, shapes.size(), "one marker shape per method: " + shapes);
        // and six series, as a study of every PEFT method has, still get six different markers
        java.util.Set<String> six = new java.util.HashSet<>();
        for (int i = 0; i < 6; i++) {
            java.awt.geom.PathIterator it = EvaluationCharts.marker(i).getPathIterator(null);
            StringBuilder path = new StringBuilder();
            double[] c = new double[6];
            for (; !it.isDone(); it.next()) {
                path.append(it.currentSegment(c)).append(java.util.Arrays.toString(c));
            }
            six.add(path.toString());
        }
        assertEquals(6, six.size());
        Path png = EvaluationCharts.writeAccuracyVsParameters("PEFT methods", points, dir);
        assertEquals(dir.resolve(EvaluationCharts.SCATTER_PNG), png);
        assertTrue(distinctColours(ImageIO.read(png.toFile())) > 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ScatterPoint("IA3", "frozen", 0, 50));
        assertEquals("trainable parameters must be >= 1 on a log axis, got 0 for IA3 frozen", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EvaluationCharts.accuracyVsParameters("none", List.of()));
    }

    private static int hash(BufferedImage img) {
        int h = 1;
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                h = 31 * h + img.getRGB(x, y);
            }
        }
        return Objects.hash(h);
    }

    static int distinctColours(BufferedImage img) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 7) {
            for (int x = 0; x < img.getWidth(); x += 7) {
                colours.add(img.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
