package dev.mmpeft.models.processing;

import com.google.common.base.Preconditions;
import dev.mmpeft.core.MmpeftException;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * An 8-bit RGB image, interleaved row by row ({@code rgb[(y * width + x) * 3 + c]}), as Pillow's
 * {@code image.convert("RGB")} makes it: grey is replicated, alpha is dropped (not composited),
 * palettes are looked up; 16-bit colour channels keep their high byte and 16-bit grey is clipped
 * at 255, as Pillow's PNG decoder and mode conversions do.
 *
 * <p>PNG decodes exactly as Pillow decodes it. JPEG goes through the JDK's decoder (IJG libjpeg,
 * like Pillow's libjpeg-turbo, but a different build), so a pixel may differ by one step.
 */
public final class RgbImage {
    private final int width;
    private final int height;
    private final int[] rgb;

    private RgbImage(int width, int height, int[] rgb) {
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    /** An image from interleaved 0..255 RGB values. */
    public static RgbImage of(int width, int height, int[] rgb) {
        Preconditions.checkArgument(width > 0 && height > 0, "image size must be positive, got %sx%s", width, height);
        Preconditions.checkArgument(rgb.length == width * height * 3, "expected %s RGB values, found %s", width * height * 3, rgb.length);
        for (int v : rgb) {
            Preconditions.checkArgument(v >= 0 && v <= 255, "RGB values must be 0..255, found %s", v);
        }
        return new RgbImage(width, height, rgb.clone());
    }

    /**
     * Reads a PNG, JPEG, BMP or GIF file.
     *
     * @throws ImageException naming the file when it is missing or not a readable image
     */
    public static RgbImage read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ImageException(file + ": no such image file");
        }
        BufferedImage image;
        try (InputStream in = Files.newInputStream(file)) {
            image = ImageIO.read(in);
        } catch (IOException | RuntimeException e) {
            throw new ImageException(file + ": cannot decode image: " + e.getMessage(), e);
        }
        if (image == null) {
            throw new ImageException(file + ": not an image in a format this JVM reads (PNG, JPEG, BMP, GIF)");
        }
        try {
            return of(image);
        } catch (IllegalArgumentException e) {
            throw new ImageException(file + ": " + e.getMessage(), e);
        }
    }

    /** Converts a decoded image with Pillow's {@code convert("RGB")} semantics. */
    public static RgbImage of(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        int[] out = new int[w * h * 3];
        if (cm instanceof IndexColorModel) {
            IndexColorModel icm = (IndexColorModel) cm;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int idx = raster.getSample(x, y, 0);
                    int o = (y * w + x) * 3;
                    out[o] = icm.getRed(idx);
                    out[o + 1] = icm.getGreen(idx);
                    out[o + 2] = icm.getBlue(idx);
                }
            }
            return new RgbImage(w, h, out);
        }
        int bands = raster.getNumBands();
        int colorBands = cm.getNumColorComponents();
        if (colorBands != 1 && colorBands != 3) {
            throw new IllegalArgumentException("unsupported colour model with " + colorBands + " colour components (CMYK?); convert the image to RGB");
        }
        int bits = cm.getComponentSize(0);
        if (bits != 8 && bits != 16) {
            throw new IllegalArgumentException("unsupported sample size " + bits + " bits; expected 8 or 16");
        }
        int[] samples = new int[bands];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(x, y, samples);
                int o = (y * w + x) * 3;
                if (colorBands == 1) {
                    // grey (+ alpha): replicated; 16-bit grey is clipped like Pillow's I;16 -> L
                    int g = bits == 16 ? Math.min(samples[0], 255) : samples[0];
                    out[o] = g;
                    out[o + 1] = g;
                    out[o + 2] = g;
                } else {
                    for (int c = 0; c < 3; c++) {
                        out[o + c] = bits == 16 ? samples[c] >> 8 : samples[c];
                    }
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** A copy of the interleaved RGB values. */
    public int[] rgb() {
        return rgb.clone();
    }

    int[] rgbUnsafe() {
        return rgb;
    }

    /** The image as a Java image (for writing sample PNGs). */
    public BufferedImage toBufferedImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int o = (y * width + x) * 3;
                img.setRGB(x, y, (rgb[o] << 16) | (rgb[o + 1] << 8) | rgb[o + 2]);
            }
        }
        return img;
    }

    /** An image that cannot be read or converted. */
    public static final class ImageException extends MmpeftException {
        private static final long serialVersionUID = 1L;

        public ImageException(String message) {
            super(message);
        }

        public ImageException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
