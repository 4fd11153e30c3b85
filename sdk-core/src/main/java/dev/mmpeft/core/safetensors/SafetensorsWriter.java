package dev.mmpeft.core.safetensors;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes safetensors files the way the reference implementation does: tensors sorted by name,
 * the JSON header padded with spaces to a multiple of 8 bytes (so every tensor starts aligned),
 * and the file written atomically, so a crash never leaves half a file under the real name.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /**
     * Writes {@code tensors} (any iteration order; the file is sorted by name) with optional
     * {@code __metadata__}.
     *
     * @throws IOException if the file cannot be written (the previous file, if any, is kept)
     */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, NDArray> sorted = new TreeMap<>(tensors);
        ObjectNode header = Json.mapper().createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            new TreeMap<>(metadata).forEach(meta::put);
        }
        List<ByteBuffer> payloads = new ArrayList<>(sorted.size());
        long offset = 0;
        for (Map.Entry<String, NDArray> e : sorted.entrySet()) {
            NDArray array = e.getValue();
            DType dtype = DType.of(array.getDataType());
            ByteBuffer bytes = TensorCodec.encode(array);
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", dtype.fileName());
            ArrayNode shape = entry.putArray("shape");
            for (long d : array.getShape().getShape()) {
                shape.add(d);
            }
            ArrayNode offsets = entry.putArray("data_offsets");
            offsets.add(offset);
            offsets.add(offset + bytes.remaining());
            offset += bytes.remaining();
            payloads.add(bytes);
        }
        byte[] json = compact(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(json);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        prefix.flip();
        AtomicFiles.write(
                file,
                out -> {
                    WritableByteChannel channel = Channels.newChannel(out);
                    writeFully(channel, prefix);
                    for (ByteBuffer payload : payloads) {
                        writeFully(channel, payload.duplicate());
                    }
                });
    }

    /** Writes tensors without metadata. */
    public static void write(Path file, Map<String, NDArray> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    private static void writeFully(WritableByteChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static String compact(ObjectNode header) {
        try {
            return Json.mapper().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(header);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

}
