package dev.mmpeft.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BF16 and F16 tensors decode to exactly the F32 values their bit patterns stand for: normal and
 * subnormal numbers, the extremes, signed zeros, infinities and NaN.
 */
class HalfPrecisionDecodingTest {

    /** BF16 bit pattern -> the float it encodes (written out by hand, not computed from the bits). */
    private static final Object[][] BF16 = {
        {0x0000, 0.0f},
        {0x8000, -0.0f},
        {0x3F80, 1.0f},
        {0xBF80, -1.0f},
        {0xC000, -2.0f},
        {0x3F00, 0.5f},
        {0x4049, 3.140625f},
        {0x3EAB, 0.333984375f},
        {0x4780, 65536.0f},
        {0x7F7F, 3.3895313892515355e38f}, // largest finite
        {0xFF7F, -3.3895313892515355e38f},
        {0x0080, 1.1754943508222875e-38f}, // smallest normal, 2^-126
        {0x007F, 1.1663108012064884e-38f}, // largest subnormal, 127 * 2^-133
        {0x0001, 9.183549615799121e-41f}, // smallest subnormal, 2^-133
        {0x8001, -9.183549615799121e-41f},
        {0x7F80, Float.POSITIVE_INFINITY},
        {0xFF80, Float.NEGATIVE_INFINITY},
    };

    /** F16 bit pattern -> the float it encodes. */
    private static final Object[][] F16 = {
        {0x0000, 0.0f},
        {0x8000, -0.0f},
        {0x3C00, 1.0f},
        {0xBC00, -1.0f},
        {0xC000, -2.0f},
        {0x3800, 0.5f},
        {0x3555, 0.333251953125f},
        {0x4248, 3.140625f},
        {0x7BFF, 65504.0f}, // largest finite
        {0xFBFF, -65504.0f},
        {0x0400, 6.103515625e-5f}, // smallest normal, 2^-14
        {0x03FF, 6.097555160522461e-5f}, // largest subnormal, 1023 * 2^-24
        {0x0001, 5.960464477539063e-8f}, // smallest subnormal, 2^-24
        {0x8001, -5.960464477539063e-8f},
        {0x7C00, Float.POSITIVE_INFINITY},
        {0xFC00, Float.NEGATIVE_INFINITY},
    };

    @Test
    void bf16WidensToTheExactFloat32(@TempDir Path tmp) throws Exception {
        float[] decoded = decode(tmp, "BF16", BF16, 0x7FC0, 0xFFC1);
        for (int i = 0; i < BF16.length; i++) {
            float expected = (float) BF16[i][1];
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(decoded[i]),
                    String.format("bf16 0x%04X", (int) BF16[i][0]));
        }
        // NaN stays NaN, payload and sign included: widening is a shift, nothing rounds
        assertEquals(0x7FC00000, Float.floatToRawIntBits(decoded[BF16.length]));
        assertEquals(0xFFC10000, Float.floatToRawIntBits(decoded[BF16.length + 1]));
    }

    @Test
    void f16DecodesToTheExactFloat32(@TempDir Path tmp) throws Exception {
        float[] decoded = decode(tmp, "F16", F16, 0x7E00, 0xFE00);
        for (int i = 0; i < F16.length; i++) {
            float expected = (float) F16[i][1];
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(decoded[i]),
                    String.format("f16 0x%04X", (int) F16[i][0]));
        }
        assertTrue(Float.isNaN(decoded[F16.length]));
        assertTrue(Float.isNaN(decoded[F16.length + 1]));
    }

    /** Writes the patterns (plus two NaNs) as one tensor, loads it and returns it as float32. */
    private static float[] decode(Path tmp, String dtype, Object[][] table, int nan1, int nan2) throws Exception {
        int[] bits = new int[table.length + 2];
        for (int i = 0; i < table.length; i++) {
            bits[i] = (int) table[i][0];
        }
        bits[table.length] = nan1;
        bits[table.length + 1] = nan2;
        byte[] data = Crafted.shorts(bits);
        String header = "{\"x\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + bits.length + "],\"data_offsets\":[0," + data.length + "]}}";
        Path file = Crafted.file(tmp, dtype + ".safetensors", header, data);
        try (SafetensorsFile f = SafetensorsFile.open(file); NDManager manager = NDManager.newBaseManager()) {
            NDArray x = f.load("x", manager);
            if (dtype.equals("BF16")) {
                assertEquals(DataType.FLOAT32, x.getDataType());
                return x.toFloatArray();
            }
            assertEquals(DataType.FLOAT16, x.getDataType());
            return x.toType(DataType.FLOAT32, true).toFloatArray();
        }
    }
}
