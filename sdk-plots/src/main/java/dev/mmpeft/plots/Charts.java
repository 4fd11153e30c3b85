package dev.mmpeft.plots;

import dev.mmpeft.core.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;

/**
 * The look shared by every chart (white background, light grid, one palette) and the atomic PNG
 * write. Why no {@code java.awt.headless}: a chart is rendered into a {@code BufferedImage}, which
 * needs no display, so the JVM that embeds the SDK keeps whatever AWT mode it chose.
 */
final class Charts {

    /** Colour-blind-safe palette (Okabe-Ito), one colour per series. */
    static final Color[] PALETTE = {
        new Color(0x0072B2), new Color(0xE69F00), new Color(0x009E73), new Color(0xD55E00),
        new Color(0xCC79A7), new Color(0x56B4E9), new Color(0xF0E442), new Color(0x000000)
    };

    static final DecimalFormat TWO_DECIMALS = new DecimalFormat("0.00");

    private Charts() {}

    static void style(JFreeChart chart) {
        StandardChartTheme theme = (StandardChartTheme) StandardChartTheme.createJFreeTheme();
        theme.setExtraLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        theme.setLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        theme.setRegularFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        theme.setSmallFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        theme.apply(chart);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        if (chart.getPlot() instanceof CategoryPlot p) {
            p.setBackgroundPaint(Color.WHITE);
            p.setRangeGridlinePaint(new Color(0xDDDDDD));
            p.setRangeGridlineStroke(new BasicStroke(1f));
            p.setOutlineVisible(false);
            if (p.getRenderer() instanceof BarRenderer r) {
                r.setBarPainter(new StandardBarPainter());
                r.setShadowVisible(false);
                r.setDrawBarOutline(false);
                for (int i = 0; i < PALETTE.length; i++) {
                    r.setSeriesPaint(i, PALETTE[i]);
                }
            }
        } else if (chart.getPlot() instanceof XYPlot p) {
            p.setBackgroundPaint(Color.WHITE);
            p.setRangeGridlinePaint(new Color(0xDDDDDD));
            p.setDomainGridlinePaint(new Color(0xDDDDDD));
            p.setOutlineVisible(false);
            for (int i = 0; i < PALETTE.length; i++) {
                p.getRenderer().setSeriesPaint(i, PALETTE[i]);
            }
        }
    }

    /** Renders {@code chart} into an image of {@code width x height} and writes it as PNG, atomically. */
    static Path writePng(JFreeChart chart, Path file, int width, int height) {
        BufferedImage image = chart.createBufferedImage(width, height);
        try {
            AtomicFiles.write(file, out -> {
                if (!ImageIO.write(image, "png", out)) {
                    throw new IOException("no PNG writer in this JVM");
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write chart " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
