package dev.mmpeft.datasets.synthetic;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Draws a scene with Java2D: filled shapes on a white background, anti-aliased, no outlines, so
 * the only signals are the ones the questions ask about (colour, shape, count, place, size).
 */
public final class SceneRenderer {
    private SceneRenderer() {}

    /** The scene as an RGB image of {@code side} x {@code side} pixels. */
    public static BufferedImage render(List<Shape> scene, int side) {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(java.awt.Color.WHITE);
            g.fillRect(0, 0, side, side);
            for (Shape s : scene) {
                g.setColor(s.color().rgb());
                g.fill(outline(s, side));
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private static java.awt.Shape outline(Shape s, int side) {
        double w = s.size() * side;
        double x = s.cx() * side - w / 2;
        double y = s.cy() * side - w / 2;
        switch (s.kind()) {
            case CIRCLE:
                return new Ellipse2D.Double(x, y, w, w);
            case SQUARE:
                // a little smaller than the bounding box, so a square and a circle of one size cover similar areas
                double inset = w * 0.06;
                return new Rectangle2D.Double(x + inset, y + inset, w - 2 * inset, w - 2 * inset);
            case TRIANGLE: {
                Path2D.Double p = new Path2D.Double();
                p.moveTo(x + w / 2, y);
                p.lineTo(x + w, y + w * 0.9);
                p.lineTo(x, y + w * 0.9);
                p.closePath();
                return p;
            }
            default: {
                Path2D.Double p = new Path2D.Double();
                double cx = x + w / 2;
                double cy = y + w / 2 + w * 0.04;
                double outer = w / 2;
                double inner = outer * 0.5;
                for (int k = 0; k < 10; k++) {
                    double r = k % 2 == 0 ? outer : inner;
                    double a = -Math.PI / 2 + k * Math.PI / 5;
                    double px = cx + r * Math.cos(a);
                    double py = cy + r * Math.sin(a);
                    if (k == 0) {
                        p.moveTo(px, py);
                    } else {
                        p.lineTo(px, py);
                    }
                }
                p.closePath();
                return p;
            }
        }
    }
}
