package dev.mmpeft.core.safetensors;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes safetensors files the way the reference implementation lays them out: tensors ordered by
 * decreasing element size and then by name (so every tensor starts aligned and the order is
 * stable whatever map is passed in), the compact JSON header padded with spaces to a multiple of
 * 8 bytes, {@code __metadata__} first with its keys sorted, and the whole file written atomically
 * (temporary file, then rename), so a crash or a failing tensor never leaves half a file under the
 * real name and keeps any previous file intact.
 *
 * <p>Tensors are encoded one at a time while writing ({@link TensorData#bytes()}), so writing a
 * model never holds a second copy of all its weights in memory.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /**
     * Writes DJL arrays (any iteration order) with optional {@code __metadata__}.
     *
     * @throws IOException if the file cannot be written (the previous file, if any, is kept)
     * @throws IllegalArgumentException for an array type safetensors has no name for, or a bad name
     */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, TensorData> data = new LinkedHashMap<>();
        tensors.forEach((name, array) -> data.put(name, TensorData.of(array)));
        writeData(file, data, metadata);
    }

    /** Writes DJL arrays without metadata. */
    public static void write(Path file, Map<String, NDArray> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /**
     * Writes tensors given as raw data: the bit-exact path for copying tensors between files
     * ({@link SafetensorsFile#data}, {@link Checkpoint#data}) and for types DJL cannot hold (BF16,
     * I16, ...).
     *
     * @throws IOException if the file cannot be written or a tensor's bytes do not match its shape
     *     (the previous file, if any, is kept and no temporary file is left)
     * @throws IllegalArgumentException for a bad name or a header over the 100 MB limit
     */
    public static void writeData(Path file, Map<String, ? extends TensorData> tensors, Map<String, String> metadata)
            throws IOException {
        List<Map.Entry<String, ? extends TensorData>> ordered = layout(tensors);
        ByteBuffer prefix = header(ordered, metadata);
        AtomicFiles.writeChannel(
                file,
                channel -> {
                    writeFully(channel, prefix);
                    for (Map.Entry<String, ? extends TensorData> e : ordered) {
                        TensorData t = e.getValue();
                        ByteBuffer bytes = t.bytes();
                        if (bytes.remaining() != t.byteSize()) {
                            throw new IOException(
                                    file + ": tensor '" + e.getKey() + "' (" + t.dtype() + Arrays.toString(t.shape())
                                            + ") produced " + bytes.remaining() + " bytes, expected " + t.byteSize());
                        }
                        writeFully(channel, bytes);
                    }
                });
    }

    /** Writes raw tensors without metadata. */
    public static void writeData(Path file, Map<String, ? extends TensorData> tensors) throws IOException {
        writeData(file, tensors, Map.of());
    }

    /** The order tensors are stored in: larger element types first, then names in UTF-8 byte order. */
    static List<Map.Entry<String, ? extends TensorData>> layout(Map<String, ? extends TensorData> tensors) {
        List<Map.Entry<String, ? extends TensorData>> ordered = new ArrayList<>(tensors.entrySet());
        for (Map.Entry<String, ? extends TensorData> e : ordered) {
            if (e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
            }
        }
        Comparator<Map.Entry<String, ? extends TensorData>> byType =
                Comparator.comparingInt(e -> -e.getValue().dtype().ordinal());
        ordered.sort(byType.thenComparing(Map.Entry::getKey, SafetensorsWriter::compareUtf8));
        return ordered;
    }

    /** The 8-byte length, then the compact JSON header padded with spaces to a multiple of 8. */
    static ByteBuffer header(List<Map.Entry<String, ? extends TensorData>> ordered, Map<String, String> metadata) {
        ObjectNode header = Json.mapper().createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            new TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, ? extends TensorData> e : ordered) {
            TensorData t = e.getValue();
            long size = t.byteSize();
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", t.dtype().fileName());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] json = compact(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        if (padded > SafetensorsFile.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException(
                    "safetensors header of " + padded + " bytes exceeds the limit of " + SafetensorsFile.MAX_HEADER_BYTES);
        }
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(json);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        return prefix.flip();
    }

    private static int compareUtf8(String a, String b) {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        return Arrays.compareUnsigned(x, y);
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static String compact(ObjectNode header) {
        try {
            return Json.mapper().writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
