package dev.mmpeft.models.processing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image path against an independent numpy port of Pillow's Resample.c and hand-written PNG
 * files ({@code src/test/python/pil_resample_ref.py} regenerates the fixtures).
 */
class BlipImageProcessorTest {
    private static JsonNode fixture(String name) throws Exception {
        return Json.mapper().readTree(BlipImageProcessorTest.class.getResourceAsStream("/blip-reference/" + name));
    }

    private static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).intValue();
        }
        return out;
    }

    @Test
    void resizeIsBitIdenticalToPillow() throws Exception {
        JsonNode cases = fixture("pil_resize.json").get("resize");
        assertEquals(6, cases.size());
        for (JsonNode c : cases) {
            int[] out = PilResampling.resize(
                    ints(c.get("pixels")),
                    c.get("width").intValue(),
                    c.get("height").intValue(),
                    3,
                    c.get("outWidth").intValue(),
                    c.get("outHeight").intValue(),
                    PilResampling.Filter.valueOf(c.get("filter").asText().toUpperCase(java.util.Locale.ROOT)));
            assertArrayEquals(ints(c.get("expected")), out, "case " + c.get("width") + "x" + c.get("height") + " -> "
                    + c.get("outWidth") + "x" + c.get("outHeight"));
        }
    }

    @Test
    void downscaleIsAntialiasedNotPointSampled() {
        // a 1-pixel checkerboard shrunk 4x must average out to mid grey: a plain bicubic
        // interpolation (Java2D, torch without antialias) would alias to near black or white
        int w = 64;
        int[] px = new int[w * w * 3];
        for (int y = 0; y < w; y++) {
            for (int x = 0; x < w; x++) {
                int v = (x + y) % 2 == 0 ? 255 : 0;
                for (int c = 0; c < 3; c++) {
                    px[(y * w + x) * 3 + c] = v;
                }
            }
        }
        int[] out = PilResampling.resize(px, w, w, 3, 16, 16, PilResampling.Filter.BICUBIC);
        for (int y = 2; y < 14; y++) {
            for (int x = 2; x < 14; x++) {
                int v = out[(y * 16 + x) * 3];
                assertTrue(v >= 126 && v <= 129, "pixel " + x + "," + y + " = " + v);
            }
        }
        int[] constant = new int[10 * 7 * 3];
        java.util.Arrays.fill(constant, 77);
        int[] up = PilResampling.resize(constant, 10, 7, 3, 23, 31, PilResampling.Filter.BICUBIC);
        assertTrue(java.util.Arrays.stream(up).allMatch(v -> v == 77));
    }

    @Test
    void pixelValuesMatchTheBlipProcessor() throws Exception {
        JsonNode c = fixture("pil_resize.json").get("processor");
        int size = c.get("size").intValue();
        RgbImage img = RgbImage.of(c.get("width").intValue(), c.get("height").intValue(), ints(c.get("pixels")));
        BlipImageProcessor p = BlipImageProcessor.ofSize(size);
        float[] pv = p.pixelValues(img);
        JsonNode expected = c.get("expected");
        assertEquals(expected.size(), pv.length);
        for (int i = 0; i < pv.length; i++) {
            assertEquals(expected.get(i).floatValue(), pv[i], 0f, "pixel value " + i);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray batch = p.pixelValues(List.of(img, img), m);
            assertEquals(new ai.djl.ndarray.types.Shape(2, 3, size, size), batch.getShape());
            float[] all = batch.toFloatArray();
            assertEquals(pv[5], all[5], 0f);
            assertEquals(pv[5], all[pv.length + 5], 0f);
        }
    }

    @Test
    void pngsConvertToRgbAsPillowDoes() throws Exception {
        JsonNode exp = fixture("png_expected.json");
        for (String name : List.of("rgb.png", "rgba.png", "grey.png", "palette.png")) {
            Path file = Path.of(BlipImageProcessorTest.class.getResource("/blip-reference/" + name).toURI());
            RgbImage img = RgbImage.read(file);
            assertEquals(exp.get("width").intValue(), img.width());
            assertEquals(exp.get("height").intValue(), img.height());
            assertArrayEquals(ints(exp.get("rgb").get(name)), img.rgb(), name);
        }
    }

    @Test
    void readsPreprocessorConfigAndRejectsBadInput(@TempDir Path tmp) throws Exception {
        Path cfg = tmp.resolve("preprocessor_config.json");
        Files.writeString(cfg, "{\"do_convert_rgb\": true, \"do_normalize\": true, \"do_rescale\": true, \"do_resize\": true,"
                + " \"image_mean\": [0.48145466, 0.4578275, 0.40821073], \"image_processor_type\": \"BlipImageProcessor\","
                + " \"image_std\": [0.26862954, 0.26130258, 0.27577711], \"processor_class\": \"InstructBlipProcessor\","
                + " \"resample\": 3, \"rescale_factor\": 0.00392156862745098, \"size\": {\"height\": 224, \"width\": 224}}");
        BlipImageProcessor p = BlipImageProcessor.read(cfg);
        assertEquals(224, p.height());
        assertEquals(PilResampling.Filter.BICUBIC, p.resample());
        assertEquals(BlipImageProcessor.OPENAI_CLIP_STD, p.imageStd());

        Files.writeString(cfg, "{\"resample\": 0, \"size\": {\"height\": 224, \"width\": 224}}");
        MmpeftException e = assertThrows(MmpeftException.class, () -> BlipImageProcessor.read(cfg));
        assertTrue(e.getMessage().contains("preprocessor_config.json") && e.getMessage().contains("resample 0"), e.getMessage());

        Path notImage = tmp.resolve("x.png");
        Files.writeString(notImage, "not an image");
        RgbImage.ImageException ie = assertThrows(RgbImage.ImageException.class, () -> RgbImage.read(notImage));
        assertTrue(ie.getMessage().startsWith(notImage.toString()), ie.getMessage());
        assertThrows(RgbImage.ImageException.class, () -> RgbImage.read(tmp.resolve("missing.png")));
    }
}
