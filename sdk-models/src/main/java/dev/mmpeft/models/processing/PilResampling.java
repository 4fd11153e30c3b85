package dev.mmpeft.models.processing;

import com.google.common.base.Preconditions;
import java.util.Locale;

/**
 * Pillow's {@code Image.resize} for 8-bit images, reproduced operation by operation from
 * {@code libImaging/Resample.c}, so that images resize here exactly as Hugging Face's image
 * processors resize them in Python.
 *
 * <p>Pillow resizes with a convolution whose support grows with the downscale factor (so a
 * downscale is antialiased, unlike Java2D's bicubic or a plain bicubic interpolation): first
 * horizontally into an 8-bit intermediate image, then vertically. Filter weights are normalised
 * per output pixel and turned into 22-bit fixed point; sums start at one half and are clipped to
 * 0..255. Every one of those steps is reproduced, which is what makes the result bit-identical.
 */
public final class PilResampling {
    /** Pillow's resampling filters ({@code PIL.Image.Resampling}) with their codes. */
    public enum Filter {
        BOX(4, 0.5),
        BILINEAR(2, 1.0),
        HAMMING(5, 1.0),
        BICUBIC(3, 2.0),
        LANCZOS(1, 3.0);

        private final int code;
        private final double support;

        Filter(int code, double support) {
            this.code = code;
            this.support = support;
        }

        /** Pillow's integer code ({@code resample} in {@code preprocessor_config.json}). */
        public int code() {
            return code;
        }

        /**
         * The filter for a Pillow code.
         *
         * @throws IllegalArgumentException for NEAREST (0) and unknown codes
         */
        public static Filter ofCode(int code) {
            for (Filter f : values()) {
                if (f.code == code) {
                    return f;
                }
            }
            throw new IllegalArgumentException(
                    "resample " + code + " is not supported; expected 1 (LANCZOS), 2 (BILINEAR), 3 (BICUBIC), 4 (BOX) or 5 (HAMMING)");
        }

        double weight(double x) {
            switch (this) {
                case BOX:
                    return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
                case BILINEAR: {
                    double ax = x < 0.0 ? -x : x;
                    return ax < 1.0 ? 1.0 - ax : 0.0;
                }
                case HAMMING: {
                    double ax = x < 0.0 ? -x : x;
                    if (ax == 0.0) {
                        return 1.0;
                    }
                    if (ax >= 1.0) {
                        return 0.0;
                    }
                    ax = ax * Math.PI;
                    // (0.54f + 0.46f * cos(x)): float constants promoted to double, as in C
                    return Math.sin(ax) / ax * ((double) 0.54f + (double) 0.46f * Math.cos(ax));
                }
                case BICUBIC: {
                    final double a = -0.5;
                    double ax = x < 0.0 ? -x : x;
                    if (ax < 1.0) {
                        return ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1;
                    }
                    if (ax < 2.0) {
                        return (((ax - 5) * ax + 8) * ax - 4) * a;
                    }
                    return 0.0;
                }
                case LANCZOS:
                    return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
                default:
                    throw new AssertionError(this);
            }
        }

        private static double sinc(double x) {
            if (x == 0.0) {
                return 1.0;
            }
            double px = x * Math.PI;
            return Math.sin(px) / px;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResampling() {}

    /**
     * Resizes an 8-bit image with interleaved channels ({@code pixels[(y * width + x) * channels + c]},
     * each 0..255) as Pillow's {@code image.resize((outWidth, outHeight), filter)} does for an image
     * of mode L (1 channel) or RGB (3 channels).
     *
     * @return the resized image, same layout
     */
    public static int[] resize(int[] pixels, int width, int height, int channels, int outWidth, int outHeight, Filter filter) {
        Preconditions.checkArgument(pixels.length == width * height * channels,
                "pixels: expected %s values for %sx%sx%s, found %s", width * height * channels, width, height, channels, pixels.length);
        Preconditions.checkArgument(outWidth > 0 && outHeight > 0, "output size must be positive, got %sx%s", outWidth, outHeight);
        if (outWidth == width && outHeight == height) {
            // Image.resize returns a plain copy when nothing changes
            return pixels.clone();
        }
        boolean needHorizontal = outWidth != width;
        boolean needVertical = outHeight != height;

        Coefficients vert = Coefficients.of(height, 0f, height, outHeight, filter);
        int yFirst = vert.bounds[0];
        int yLast = vert.bounds[(outHeight - 1) * 2] + vert.bounds[(outHeight - 1) * 2 + 1];

        int[] current = pixels;
        int curWidth = width;
        int rowOffset = 0;
        if (needHorizontal) {
            Coefficients horiz = Coefficients.of(width, 0f, width, outWidth, filter);
            int rows = yLast - yFirst;
            int[] tmp = new int[outWidth * rows * channels];
            for (int yy = 0; yy < rows; yy++) {
                int srcRow = (yy + yFirst) * width * channels;
                for (int xx = 0; xx < outWidth; xx++) {
                    int xmin = horiz.bounds[xx * 2];
                    int xmax = horiz.bounds[xx * 2 + 1];
                    int kOff = xx * horiz.ksize;
                    for (int c = 0; c < channels; c++) {
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int x = 0; x < xmax; x++) {
                            ss += pixels[srcRow + (x + xmin) * channels + c] * horiz.fixed[kOff + x];
                        }
                        tmp[(yy * outWidth + xx) * channels + c] = clip8(ss);
                    }
                }
            }
            current = tmp;
            curWidth = outWidth;
            // the vertical pass reads the intermediate image, which starts at source row yFirst
            rowOffset = yFirst;
        }
        if (!needVertical) {
            return current;
        }
        int[] out = new int[curWidth * outHeight * channels];
        for (int yy = 0; yy < outHeight; yy++) {
            int ymin = vert.bounds[yy * 2] - rowOffset;
            int ymax = vert.bounds[yy * 2 + 1];
            int kOff = yy * vert.ksize;
            for (int xx = 0; xx < curWidth; xx++) {
                for (int c = 0; c < channels; c++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int y = 0; y < ymax; y++) {
                        ss += current[((y + ymin) * curWidth + xx) * channels + c] * vert.fixed[kOff + y];
                    }
                    out[(yy * curWidth + xx) * channels + c] = clip8(ss);
                }
            }
        }
        return out;
    }

    private static int clip8(int in) {
        int v = in >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** {@code precompute_coeffs} followed by {@code normalize_coeffs_8bpc}. */
    static final class Coefficients {
        final int ksize;
        final int[] bounds;
        final double[] weights;
        final int[] fixed;

        private Coefficients(int ksize, int[] bounds, double[] weights, int[] fixed) {
            this.ksize = ksize;
            this.bounds = bounds;
            this.weights = weights;
            this.fixed = fixed;
        }

        static Coefficients of(int inSize, float in0, float in1, int outSize, Filter filter) {
            // (double)(in1 - in0): the subtraction happens in float, as in C
            double scale = (double) (in1 - in0) / outSize;
            double filterscale = scale < 1.0 ? 1.0 : scale;
            double support = filter.support * filterscale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            double[] kk = new double[outSize * ksize];
            int[] bounds = new int[outSize * 2];
            for (int xx = 0; xx < outSize; xx++) {
                double center = in0 + (xx + 0.5) * scale;
                double ww = 0.0;
                double ss = 1.0 / filterscale;
                // (int) truncates toward zero in both C and Java
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                int k = xx * ksize;
                for (int x = 0; x < xmax; x++) {
                    double w = filter.weight((x + xmin - center + 0.5) * ss);
                    kk[k + x] = w;
                    ww += w;
                }
                for (int x = 0; x < xmax; x++) {
                    if (ww != 0.0) {
                        kk[k + x] /= ww;
                    }
                }
                bounds[xx * 2] = xmin;
                bounds[xx * 2 + 1] = xmax;
            }
            int[] fixed = new int[kk.length];
            for (int i = 0; i < kk.length; i++) {
                fixed[i] = kk[i] < 0 ? (int) (-0.5 + kk[i] * (1 << PRECISION_BITS)) : (int) (0.5 + kk[i] * (1 << PRECISION_BITS));
            }
            return new Coefficients(ksize, bounds, kk, fixed);
        }
    }
}
