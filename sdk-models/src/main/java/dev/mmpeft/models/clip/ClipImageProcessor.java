package dev.mmpeft.models.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.models.processing.PilResampling;
import dev.mmpeft.models.processing.RgbImage;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.immutables.value.Value;

/**
 * transformers' {@code CLIPImageProcessor} (LLaVA's image processor): convert to RGB, resize the
 * shortest side to {@code size.shortest_edge} keeping the aspect ratio (Pillow's bicubic), centre
 * crop to {@code crop_size}, rescale by 1/255, normalise with the OpenAI CLIP mean and standard
 * deviation, channels first.
 *
 * <p>Why step by step as the Python processor: the resize is Pillow's 8-bit one
 * ({@link PilResampling}), the long side is {@code int(shortest_edge * long / short)}, the crop
 * offsets are {@code (size - crop) // 2} (zero padding when the image is smaller), rescaling is in
 * float64 then cast to float32 and normalising in float32, so pixel values come out as transformers'.
 */
@Value.Immutable
public abstract class ClipImageProcessor {
    /** OpenAI CLIP's per-channel mean ({@code OPENAI_CLIP_MEAN}). */
    public static final List<Double> OPENAI_CLIP_MEAN = List.of(0.48145466, 0.4578275, 0.40821073);
    /** OpenAI CLIP's per-channel standard deviation ({@code OPENAI_CLIP_STD}). */
    public static final List<Double> OPENAI_CLIP_STD = List.of(0.26862954, 0.26130258, 0.27577711);

    /** {@code size.shortest_edge}. */
    @Value.Default
    public int shortestEdge() {
        return 224;
    }

    @Value.Default
    public int cropHeight() {
        return 224;
    }

    @Value.Default
    public int cropWidth() {
        return 224;
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
    public boolean doCenterCrop() {
        return true;
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
        if (shortestEdge() <= 0 || cropHeight() <= 0 || cropWidth() <= 0) {
            throw new IllegalArgumentException("size.shortest_edge and crop_size must be positive, got " + shortestEdge() + " and "
                    + cropHeight() + "x" + cropWidth());
        }
        if (imageMean().size() != 3 || imageStd().size() != 3) {
            throw new IllegalArgumentException("image_mean and image_std need 3 values (RGB), got " + imageMean() + " and " + imageStd());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The builder of a {@link ClipImageProcessor}. */
    public static class Builder extends ImmutableClipImageProcessor.Builder {}

    /** The processor for a vision tower of {@code imageSize}: shortest edge and crop both that size. */
    public static ClipImageProcessor ofSize(int imageSize) {
        return builder().shortestEdge(imageSize).cropHeight(imageSize).cropWidth(imageSize).build();
    }

    /**
     * Reads a {@code preprocessor_config.json}; absent fields keep the defaults above.
     *
     * @throws MmpeftException naming the file and the field on a bad value
     */
    public static ClipImageProcessor read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new MmpeftException(file + ": no such preprocessor config");
        }
        JsonNode n;
        try {
            n = Json.read(file);
        } catch (Json.JsonFileException e) {
            throw new MmpeftException(e.getMessage(), e);
        }
        Builder b = builder();
        JsonNode size = n.get("size");
        if (size != null && !size.isNull()) {
            if (size.isInt()) {
                b.shortestEdge(size.intValue());
            } else if (size.has("shortest_edge")) {
                b.shortestEdge(positive(file, "size.shortest_edge", size.get("shortest_edge")));
            } else {
                throw new MmpeftException(file + ": field 'size' is " + size + "; expected {\"shortest_edge\": N} (CLIPImageProcessor)");
            }
        }
        JsonNode crop = n.get("crop_size");
        if (crop != null && !crop.isNull()) {
            if (crop.isInt()) {
                b.cropHeight(crop.intValue()).cropWidth(crop.intValue());
            } else if (crop.has("height") && crop.has("width")) {
                b.cropHeight(positive(file, "crop_size.height", crop.get("height")));
                b.cropWidth(positive(file, "crop_size.width", crop.get("width")));
            } else {
                throw new MmpeftException(file + ": field 'crop_size' is " + crop + "; expected {\"height\": H, \"width\": W}");
            }
        }
        flag(file, n, "do_resize").ifPresent(b::doResize);
        flag(file, n, "do_center_crop").ifPresent(b::doCenterCrop);
        flag(file, n, "do_rescale").ifPresent(b::doRescale);
        flag(file, n, "do_normalize").ifPresent(b::doNormalize);
        if (n.hasNonNull("resample")) {
            try {
                b.resample(PilResampling.Filter.ofCode(n.get("resample").intValue()));
            } catch (IllegalArgumentException e) {
                throw new MmpeftException(file + ": field 'resample': " + e.getMessage(), e);
            }
        }
        if (n.hasNonNull("rescale_factor")) {
            b.rescaleFactor(n.get("rescale_factor").doubleValue());
        }
        if (n.hasNonNull("image_mean")) {
            b.imageMean(triple(file, "image_mean", n.get("image_mean")));
        }
        if (n.hasNonNull("image_std")) {
            b.imageStd(triple(file, "image_std", n.get("image_std")));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new MmpeftException(file + ": " + e.getMessage(), e);
        }
    }

    private static int positive(Path file, String field, JsonNode v) {
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() <= 0) {
            throw new MmpeftException(file + ": field '" + field + "' is " + v + "; expected a positive integer");
        }
        return v.intValue();
    }

    private static java.util.Optional<Boolean> flag(Path file, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return java.util.Optional.empty();
        }
        if (!v.isBoolean()) {
            throw new MmpeftException(file + ": field '" + field + "' is " + v + "; expected true or false");
        }
        return java.util.Optional.of(v.booleanValue());
    }

    private static List<Double> triple(Path file, String field, JsonNode v) {
        if (v.isNumber()) {
            return List.of(v.doubleValue(), v.doubleValue(), v.doubleValue());
        }
        List<Double> out = new ArrayList<>();
        if (v.isArray()) {
            v.forEach(x -> out.add(x.isNumber() ? x.doubleValue() : Double.NaN));
        }
        if (out.size() != 3 || out.stream().anyMatch(d -> d.isNaN())) {
            throw new MmpeftException(file + ": field '" + field + "' is " + v + "; expected 3 numbers (R, G, B)");
        }
        return out;
    }

    /** The size transformers resizes to: shortest side {@code shortest_edge}, the other {@code int(edge * long / short)}. */
    public int[] resizedSize(int width, int height) {
        int edge = shortestEdge();
        if (width <= height) {
            return new int[] {edge, (int) ((long) edge * height / width)};
        }
        return new int[] {(int) ((long) edge * width / height), edge};
    }

    /** Output height and width of one image of {@code width x height}. */
    public int[] outputSize(int width, int height) {
        if (doCenterCrop()) {
            return new int[] {cropWidth(), cropHeight()};
        }
        return doResize() ? resizedSize(width, height) : new int[] {width, height};
    }

    /** One image's pixel values, channels first: {@code [3 * height * width]}. */
    public float[] pixelValues(RgbImage image) {
        int w = image.width();
        int h = image.height();
        int[] px = image.rgb();
        if (doResize()) {
            int[] size = resizedSize(w, h);
            if (size[0] != w || size[1] != h) {
                px = PilResampling.resize(px, w, h, 3, size[0], size[1], resample());
                w = size[0];
                h = size[1];
            }
        }
        int outW = w;
        int outH = h;
        int top = 0;
        int left = 0;
        if (doCenterCrop()) {
            outW = cropWidth();
            outH = cropHeight();
            // transformers' center_crop: offsets (size - crop) // 2; where the image is smaller it is
            // zero-padded by ceil((crop - size) / 2) first, which lands on the same floor offset
            top = Math.floorDiv(h - outH, 2);
            left = Math.floorDiv(w - outW, 2);
        }
        float[] mean = new float[3];
        float[] std = new float[3];
        for (int c = 0; c < 3; c++) {
            mean[c] = imageMean().get(c).floatValue();
            std[c] = imageStd().get(c).floatValue();
        }
        double factor = rescaleFactor();
        float[] out = new float[3 * outH * outW];
        for (int y = 0; y < outH; y++) {
            int sy = top + y;
            for (int x = 0; x < outW; x++) {
                int sx = left + x;
                boolean inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
                for (int c = 0; c < 3; c++) {
                    int v = inside ? px[(sy * w + sx) * 3 + c] : 0;
                    // numpy: uint8 -> float64 * scale -> float32; then (x - mean) / std in float32
                    float f = doRescale() ? (float) (v * factor) : (float) v;
                    if (doNormalize()) {
                        f = (f - mean[c]) / std[c];
                    }
                    out[c * outH * outW + y * outW + x] = f;
                }
            }
        }
        return out;
    }

    /**
     * {@code pixel_values [images, 3, height, width]} in {@code manager}; every image must come out
     * at the same size (always so with centre cropping).
     */
    public NDArray pixelValues(List<RgbImage> images, NDManager manager) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images");
        }
        int[] size = outputSize(images.get(0).width(), images.get(0).height());
        NDArray out = manager.create(new Shape(images.size(), 3, size[1], size[0]), DataType.FLOAT32);
        FloatBuffer buf = out.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (RgbImage image : images) {
            float[] px = pixelValues(image);
            if (px.length != 3 * size[0] * size[1]) {
                throw new MmpeftException("images of different sizes cannot be batched without centre cropping");
            }
            buf.put(px);
        }
        return out;
    }
}
