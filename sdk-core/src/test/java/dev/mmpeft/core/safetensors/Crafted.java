package dev.mmpeft.core.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-made safetensors bytes for tests: any header text (valid or not) followed by any data. */
final class Crafted {
    private Crafted() {}

    /** The file bytes: little-endian header length, the header text as UTF-8, the data. */
    static byte[] bytes(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length)
                .put(h)
                .put(data)
                .array();
    }

    /** Writes {@link #bytes} to {@code dir/name} and returns the path. */
    static Path file(Path dir, String name, String header, byte[] data) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes(header, data));
        return p;
    }

    /** {@code n} bytes 0, 1, 2, ... (mod 256). */
    static byte[] counting(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    /** The little-endian bytes of floats. */
    static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** The little-endian bytes of 16-bit patterns. */
    static byte[] shorts(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    /** Everything left in a buffer, as an array. */
    static byte[] remaining(ByteBuffer buffer) {
        ByteBuffer d = buffer.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
