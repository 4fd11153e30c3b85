package dev.mmpeft.models.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.models.processing.PilResampling;
import dev.mmpeft.models.processing.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ClipImageProcessor} against transformers' CLIPImageProcessor arithmetic. Expected values
 * were computed with numpy as transformers does: {@code (uint8 * (1/255)).astype(float32)}, then
 * {@code (x - mean) / std} in float32 with OPENAI_CLIP_MEAN/STD.
 */
class ClipImageProcessorTest {
    /** Normalised values of 0, 255, 128 and 37 per channel (R, G, B), from numpy. */
    static final float[][] ZERO = {{-1.7922625541687012f, -1.7520971298217773f, -1.480219841003418f}};
    static final float[] FULL = {1.9303361177444458f, 2.0748836994171143f, 2.1458969116210938f};
    static final float[] HALF = {0.07633614540100098f, 0.16889731585979462f, 0.33994877338409424f};
    static final float[] V37 = {-1.2521207332611084f, -1.1968097686767578f, -0.9540772438049316f};

    @Test
    void theShortestSideIsResizedAsTransformersComputesIt() {
        ClipImageProcessor p = ClipImageProcessor.ofSize(336);
        assertArrayEquals(new int[] {448, 336}, p.resizedSize(640, 480));
        assertArrayEquals(new int[] {336, 448}, p.resizedSize(480, 640));
        // int(336 * 500 / 333) = int(504.50...) = 504
        assertArrayEquals(new int[] {504, 336}, p.resizedSize(500, 333));
        assertArrayEquals(new int[] {336, 336}, p.resizedSize(20, 20));
        assertArrayEquals(new int[] {336, 336}, p.outputSize(640, 480));
    }

    @Test
    void centreCropTakesTheMiddleAndNormalisesPerChannel() {
        // 6 x 4 image, shortest edge already 4: no resize; crop 4 x 4 starts at column (6 - 4) // 2 = 1
        int w = 6;
        int h = 4;
        int[] rgb = new int[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = x == 1 ? 255 : x == 4 ? 128 : x == 5 ? 37 : 0;
                for (int c = 0; c < 3; c++) {
                    rgb[(y * w + x) * 3 + c] = v;
                }
            }
        }
        ClipImageProcessor p = ClipImageProcessor.ofSize(4);
        float[] out = p.pixelValues(RgbImage.of(w, h, rgb));
        assertEquals(3 * 4 * 4, out.length);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 4; y++) {
                int row = c * 16 + y * 4;
                assertEquals(FULL[c], out[row], 0f, "column 0 is image column 1");
                assertEquals(ZERO[0][c], out[row + 1], 0f);
                assertEquals(ZERO[0][c], out[row + 2], 0f);
                assertEquals(HALF[c], out[row + 3], 0f, "column 3 is image column 4; column 5 (37) is cropped away");
            }
        }
    }

    @Test
    void anImageSmallerThanTheCropIsZeroPaddedAsTransformersPadsIt() {
        // 1 x 1 image of value 37, crop 4 x 4 without resize: transformers pads ceil(3 / 2) = 2 before,
        // so the pixel lands at row 2, column 2; the padding is 0 before normalising
        ClipImageProcessor p = ClipImageProcessor.builder().doResize(false).cropHeight(4).cropWidth(4).build();
        float[] out = p.pixelValues(RgbImage.of(1, 1, new int[] {37, 37, 37}));
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 16; i++) {
                assertEquals(i == 2 * 4 + 2 ? V37[c] : ZERO[0][c], out[c * 16 + i], 0f, "channel " + c + " position " + i);
            }
        }
    }

    @Test
    void theResizePathIsPillowsBicubicThenTheCrop() {
        int w = 9;
        int h = 6;
        int[] rgb = new int[w * h * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (i * 37) % 256;
        }
        ClipImageProcessor p = ClipImageProcessor.ofSize(4);
        float[] out = p.pixelValues(RgbImage.of(w, h, rgb));
        // shortest side 6 -> 4, the other int(4 * 9 / 6) = 6; then columns 1..4 of the 6 x 4 result
        int[] resized = PilResampling.resize(rgb, w, h, 3, 6, 4, PilResampling.Filter.BICUBIC);
        ClipImageProcessor noResize = ClipImageProcessor.builder().doResize(false).shortestEdge(4).cropHeight(4).cropWidth(4).build();
        assertArrayEquals(noResize.pixelValues(RgbImage.of(6, 4, resized)), out);
    }

    @Test
    void readsLlavasPreprocessorConfigAndNamesBadFields(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("preprocessor_config.json");
        // llava-hf/llava-1.5-7b-hf's file
        Files.writeString(file, "{\"crop_size\": {\"height\": 336, \"width\": 336}, \"do_center_crop\": true, \"do_convert_rgb\": true,"
                + " \"do_normalize\": true, \"do_rescale\": true, \"do_resize\": true, \"image_mean\": [0.48145466, 0.4578275, 0.40821073],"
                + " \"image_processor_type\": \"CLIPImageProcessor\", \"image_std\": [0.26862954, 0.26130258, 0.27577711],"
                + " \"processor_class\": \"LlavaProcessor\", \"resample\": 3, \"rescale_factor\": 0.00392156862745098,"
                + " \"size\": {\"shortest_edge\": 336}}");
        ClipImageProcessor p = ClipImageProcessor.read(file);
        assertEquals(ClipImageProcessor.builder().from(ClipImageProcessor.ofSize(336)).rescaleFactor(0.00392156862745098).build(), p);
        assertEquals(PilResampling.Filter.BICUBIC, p.resample());

        Files.writeString(file, "{\"size\": {\"height\": 336, \"width\": 336}}");
        MmpeftException e = assertThrows(MmpeftException.class, () -> ClipImageProcessor.read(file));
        assertEquals(file + ": field 'size' is {\"height\":336,\"width\":336}; expected {\"shortest_edge\": N} (CLIPImageProcessor)", e.getMessage());
        Files.writeString(file, "{\"image_mean\": [0.5, 0.5]}");
        e = assertThrows(MmpeftException.class, () -> ClipImageProcessor.read(file));
        assertEquals(file + ": field 'image_mean' is [0.5,0.5]; expected 3 numbers (R, G, B)", e.getMessage());
        Files.writeString(file, "{\"crop_size\": {\"height\": 0, \"width\": 3}}");
        e = assertThrows(MmpeftException.class, () -> ClipImageProcessor.read(file));
        assertEquals(file + ": field 'crop_size.height' is 0; expected a positive integer", e.getMessage());
        Files.writeString(file, "{\"do_resize\": \"yes\"}");
        e = assertThrows(MmpeftException.class, () -> ClipImageProcessor.read(file));
        assertEquals(file + ": field 'do_resize' is \"yes\"; expected true or false", e.getMessage());
        assertEquals(List.of(0.5, 0.5, 0.5), ClipImageProcessor.builder().imageMean(List.of(0.5, 0.5, 0.5)).build().imageMean());
    }
}
