package dev.mmpeft.models.processing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.io.Json;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.immutables.value.Value;

/**
 * transformers' {@code BlipImageProcessor} (the image half of {@code InstructBlipProcessor}):
 * convert to RGB, resize to {@code size} with Pillow's resampling (bicubic by default), rescale by
 * 1/255, normalise with the OpenAI CLIP mean and standard deviation, channels first.
 *
 * <p>The arithmetic follows the Python processor step by step (8-bit Pillow resize; rescale in
 * float64 then cast to float32; normalise in float32), so pixel values come out identical.
 */
@Value.Immutable
public abstract class BlipImageProcessor {
    /** OpenAI CLIP's per-channel mean ({@code OPENAI_CLIP_MEAN}). */
    public static final List<Double> OPENAI_CLIP_MEAN = List.of(0.48145466, 0.4578275, 0.40821073);
    /** OpenAI CLIP's per-channel standard deviation ({@code OPENAI_CLIP_STD}). */
    public static final List<Double> OPENAI_CLIP_STD = List.of(0.26862954, 0.26130258, 0.27577711);

    @Value.Default
    public int height() {
        return 384;
    }

    @Value.Default
    public int width() {
        return 384;
    }

    @Value.Default
    public boolean doResize() {
        return true;
    }

    @Value.Default
    public PilResampling.Filter resample() {
        return PilResampling.Filter.BICUBIC;
    }

    @Value.Default
    public boolean doRescale() {
        return true;
    }

    @Value.Default
    public double rescaleFactor() {
        return 1.0 / 255;
    }

    @Value.Default
    public boolean doNormalize() {
        return true;
    }

    @Value.Default
    public List<Double> imageMean() {
        return OPENAI_CLIP_MEAN;
    }

    @Value.Default
    public List<Double> imageStd() {
        return OPENAI_CLIP_STD;
    }

    @Value.Check
    protected void check() {
        if (height() <= 0 || width() <= 0) {
            throw new IllegalArgumentException("image processor: size must be positive, got " + height() + "x" + width());
        }
        if (imageMean().size() != 3 || imageStd().size() != 3) {
            throw new IllegalArgumentException("image processor: image_mean and image_std need 3 values (RGB)");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** The processor for square images of {@code size} pixels with all other settings at their defaults. */
    public static BlipImageProcessor ofSize(int size) {
        return builder().height(size).width(size).build();
    }

    /**
     * Reads a {@code preprocessor_config.json} (fields absent there keep the defaults above).
     *
     * @throws MmpeftException naming the file and field on a bad value
     */
    public static BlipImageProcessor read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new MmpeftException(file + ": no such preprocessor config");
        }
        JsonNode n;
        try {
            n = Json.read(file);
        } catch (Json.JsonFileException e) {
            throw new MmpeftException(e.getMessage(), e);
        }
        try {
            Builder b = builder();
            JsonNode size = n.get("size");
            if (size != null && size.isObject()) {
                if (size.has("height")) {
                    b.height(size.get("height").intValue());
                    b.width(size.get("width").intValue());
                } else if (size.has("shortest_edge")) {
                    b.height(size.get("shortest_edge").intValue());
                    b.width(size.get("shortest_edge").intValue());
                }
            } else if (size != null && size.isInt()) {
                b.height(size.intValue());
                b.width(size.intValue());
            }
            if (n.has("do_resize")) {
                b.doResize(n.get("do_resize").booleanValue());
            }
            if (n.has("resample")) {
                b.resample(PilResampling.Filter.ofCode(n.get("resample").intValue()));
            }
            if (n.has("do_rescale")) {
                b.doRescale(n.get("do_rescale").booleanValue());
            }
            if (n.has("rescale_factor")) {
                b.rescaleFactor(n.get("rescale_factor").doubleValue());
            }
            if (n.has("do_normalize")) {
                b.doNormalize(n.get("do_normalize").booleanValue());
            }
            if (n.has("image_mean")) {
                b.imageMean(doubles(n.get("image_mean")));
            }
            if (n.has("image_std")) {
                b.imageStd(doubles(n.get("image_std")));
            }
            return b.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new MmpeftException(file + ": " + e.getMessage(), e);
        }
    }

    private static List<Double> doubles(JsonNode arr) {
        if (arr.isNumber()) {
            return List.of(arr.doubleValue(), arr.doubleValue(), arr.doubleValue());
        }
        java.util.ArrayList<Double> out = new java.util.ArrayList<>();
        arr.forEach(v -> out.add(v.doubleValue()));
        return out;
    }

    /** One image's pixel values, channels first: {@code [3 * height * width]}. */
    public float[] pixelValues(RgbImage image) {
        int w = image.width();
        int h = image.height();
        int[] px = image.rgbUnsafe();
        if (doResize() && (w != width() || h != height())) {
            px = PilResampling.resize(px, w, h, 3, width(), height(), resample());
            w = width();
            h = height();
        }
        float[] mean = new float[3];
        float[] std = new float[3];
        for (int c = 0; c < 3; c++) {
            mean[c] = imageMean().get(c).floatValue();
            std[c] = imageStd().get(c).floatValue();
        }
        double factor = rescaleFactor();
        float[] out = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < h * w; i++) {
                int v = px[i * 3 + c];
                // numpy: uint8 -> float64 * scale -> float32; then (x - mean) / std in float32
                float x = doRescale() ? (float) (v * factor) : (float) v;
                if (doNormalize()) {
                    x = (x - mean[c]) / std[c];
                }
                out[c * h * w + i] = x;
            }
        }
        return out;
    }

    /**
     * {@code pixel_values [batch, 3, height, width]} for a batch of images, in {@code manager}.
     * Every image must come out at the same size (always so when resizing).
     */
    public NDArray pixelValues(List<RgbImage> images, NDManager manager) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images");
        }
        int h = doResize() ? height() : images.get(0).height();
        int w = doResize() ? width() : images.get(0).width();
        NDArray out = manager.create(new Shape(images.size(), 3, h, w), DataType.FLOAT32);
        java.nio.FloatBuffer buf = out.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (RgbImage img : images) {
            float[] px = pixelValues(img);
            if (px.length != 3 * h * w) {
                throw new MmpeftException("images of different sizes cannot be batched without resizing");
            }
            buf.put(px);
        }
        return out;
    }

    /** Builds a {@link BlipImageProcessor}; {@code build()} validates it. */
    public static class Builder extends ImmutableBlipImageProcessor.Builder {}
}
