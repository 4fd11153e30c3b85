package dev.mmpeft.core.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableMap;
import dev.mmpeft.core.io.Json;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A safetensors file opened for reading: the header is parsed and checked once, tensors are read
 * one at a time, on demand, straight from a memory map of the file.
 *
 * <p>Offsets are 64-bit and each tensor is mapped on its own, so files far over 2 GiB (the size of
 * real shards) read fine, and opening a 10 GB file costs only its header. Everything a broken or
 * hostile file can get wrong is checked before any byte is touched (header length, JSON, dtype,
 * shape, offsets in range, no overlaps or holes, byte span equal to shape times element size), and
 * reported as a {@link SafetensorsException} naming the file and tensor: a bad file never crashes
 * the JVM.
 *
 * <p>Thread-safe for reading after {@link #open}; closing releases the file handle.
 */
public final class SafetensorsFile implements Closeable {
    /** Largest header accepted, as in the reference implementation (100 MB). */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final long fileSize;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(
            Path path,
            FileChannel channel,
            long dataStart,
            long fileSize,
            Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.fileSize = fileSize;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Opens and validates a safetensors file.
     *
     * @throws SafetensorsException if the file cannot be read or is not valid safetensors
     */
    public static SafetensorsFile open(Path path) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new SafetensorsException(path + ": cannot open: " + e, e);
        }
        try {
            return parse(path, channel);
        } catch (RuntimeException | IOException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof SafetensorsException) {
                throw (SafetensorsException) e;
            }
            throw new SafetensorsException(path + ": cannot read: " + e, e);
        }
    }

    private static SafetensorsFile parse(Path path, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw new SafetensorsException(
                    path + ": file is " + fileSize + " bytes; a safetensors file starts with an 8-byte header length");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lengthBytes, 0);
        long headerLength = lengthBytes.getLong(0);
        // read as unsigned, like the reference: a "negative" length is a huge one
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new SafetensorsException(
                    path
                            + ": header length "
                            + Long.toUnsignedString(headerLength)
                            + " exceeds the limit of "
                            + MAX_HEADER_BYTES
                            + " bytes (not a safetensors file?)");
        }
        if (headerLength > fileSize - 8) {
            throw new SafetensorsException(
                    path
                            + ": header length "
                            + headerLength
                            + " goes beyond the end of the file ("
                            + fileSize
                            + " bytes; truncated or not a safetensors file?)");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(channel, headerBytes, 8);
        String headerText;
        try {
            headerText =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(headerBytes.flip())
                            .toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(path + ": header is not valid UTF-8", e);
        }
        JsonNode header;
        try {
            header = Json.mapper().readTree(headerText);
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(path + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new SafetensorsException(path + ": header must be a JSON object");
        }
        long dataStart = 8 + headerLength;
        long dataSize = fileSize - dataStart;
        Map<String, String> metadata = ImmutableMap.of();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equals("__metadata__")) {
                // the reference reads it as an optional map: null means none
                if (!entry.getValue().isNull()) {
                    metadata = parseMetadata(path, entry.getValue());
                }
            } else {
                tensors.put(entry.getKey(), parseTensor(path, entry.getKey(), entry.getValue(), dataSize));
            }
        }
        checkLayout(path, tensors.values(), dataSize);
        return new SafetensorsFile(
                path, channel, dataStart, fileSize, ImmutableMap.copyOf(tensors), metadata);
    }

    private static Map<String, String> parseMetadata(Path path, JsonNode node) {
        if (!node.isObject()) {
            throw new SafetensorsException(path + ": __metadata__ must be an object of strings");
        }
        ImmutableMap.Builder<String, String> out = ImmutableMap.builder();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(
                        path + ": __metadata__ value of '" + e.getKey() + "' must be a string, found " + e.getValue().getNodeType());
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out.build();
    }

    private static TensorInfo parseTensor(Path path, String name, JsonNode node, long dataSize) {
        String where = path + ": tensor '" + name + "'";
        if (!node.isObject()) {
            throw new SafetensorsException(where + ": entry must be an object, found " + node.getNodeType());
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsException(where + ": missing or non-string 'dtype'");
        }
        DType dtype =
                DType.parse(dtypeNode.asText())
                        .orElseThrow(
                                () ->
                                        new SafetensorsException(
                                                where
                                                        + ": unknown dtype '"
                                                        + dtypeNode.asText()
                                                        + "'; expected one of "
                                                        + DType.knownNames()));
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafetensorsException(where + ": missing or non-array 'shape'");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw new SafetensorsException(where + ": shape dimension " + i + " must be a non-negative integer, found " + d);
            }
            shape[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException e) {
                throw new SafetensorsException(where + ": shape " + shapeNode + " overflows a 64-bit element count");
            }
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new SafetensorsException(where + ": 'data_offsets' must be an array [begin, end]");
        }
        for (JsonNode o : offsets) {
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.asLong() < 0) {
                throw new SafetensorsException(where + ": data_offsets must be non-negative integers, found " + offsets);
            }
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (end < begin) {
            throw new SafetensorsException(where + ": data_offsets " + offsets + " end before they begin");
        }
        if (end > dataSize) {
            throw new SafetensorsException(
                    where + ": data_offsets " + offsets + " reach beyond the data section of " + dataSize + " bytes (truncated file?)");
        }
        long expectedBytes;
        try {
            expectedBytes = Math.multiplyExact(elements, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new SafetensorsException(where + ": shape " + shapeNode + " overflows a 64-bit byte count");
        }
        if (end - begin != expectedBytes) {
            throw new SafetensorsException(
                    where
                            + ": shape "
                            + shapeNode
                            + " of "
                            + dtype
                            + " needs "
                            + expectedBytes
                            + " bytes but data_offsets "
                            + offsets
                            + " span "
                            + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** Tensors must tile the data section exactly: no overlap, no hole, nothing left over. */
    private static void checkLayout(Path path, Iterable<TensorInfo> infos, long dataSize) {
        List<TensorInfo> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < expected) {
                throw new SafetensorsException(
                        path
                                + ": tensor '"
                                + t.name()
                                + "' bytes ["
                                + t.begin()
                                + ", "
                                + t.end()
                                + ") overlap tensor '"
                                + (previous == null ? "?" : previous.name())
                                + "' which ends at "
                                + expected);
            }
            if (t.begin() > expected) {
                throw new SafetensorsException(
                        path
                                + ": tensor '"
                                + t.name()
                                + "' starts at "
                                + t.begin()
                                + " but the previous tensor ends at "
                                + expected
                                + " (a hole in the data section)");
            }
            expected = t.end();
            previous = t;
        }
        if (expected != dataSize) {
            throw new SafetensorsException(
                    path + ": tensors cover " + expected + " bytes of a " + dataSize + "-byte data section (trailing bytes)");
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long pos = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** Size of the file in bytes. */
    public long fileSize() {
        return fileSize;
    }

    /** The {@code __metadata__} strings (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** Every tensor's header entry, in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** A tensor's header entry, if present. */
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /**
     * A tensor's header entry.
     *
     * @throws SafetensorsException naming the file when the tensor is absent
     */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new SafetensorsException(path + ": no tensor named '" + name + "'");
        }
        return info;
    }

    /**
     * The raw little-endian bytes of a tensor as a read-only memory-mapped buffer. Nothing is
     * copied; the mapping stays valid after {@link #close()}.
     */
    public ByteBuffer rawBytes(String name) {
        TensorInfo info = info(name);
        if (info.byteSize() > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(
                    path + ": tensor '" + name + "' is " + info.byteSize() + " bytes; a single tensor over 2 GiB cannot be mapped into one buffer");
        }
        if (info.byteSize() == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), info.byteSize())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new SafetensorsException(path + ": cannot map tensor '" + name + "': " + e, e);
        }
    }

    /**
     * A tensor exactly as stored (type, shape, bytes), for copying it to another file without
     * decoding: BF16 stays BF16. The bytes are mapped when the writer asks for them.
     */
    public TensorData data(String name) {
        TensorInfo info = info(name);
        return new TensorData() {
            @Override
            public DType dtype() {
                return info.dtype();
            }

            @Override
            public long[] shape() {
                return info.shape();
            }

            @Override
            public ByteBuffer bytes() {
                return rawBytes(name);
            }

            @Override
            public String toString() {
                return path + ": " + info;
            }
        };
    }

    /**
     * Loads one tensor into a new array owned by {@code manager}, copying it out of the file (so
     * the array can be trained or merged into). BF16 becomes F32, I16 and U16 become I32 and U32
     * becomes I64, exactly.
     *
     * @throws SafetensorsException naming the file and tensor when it is absent, of a type DJL
     *     cannot hold ({@link DType#isLoadable()}), larger than 2 GiB once loaded, or the engine
     *     refuses it
     */
    public NDArray load(String name, NDManager manager) {
        TensorInfo info = info(name);
        if (!info.dtype().isLoadable()) {
            throw new SafetensorsException(
                    path + ": tensor '" + name + "' has dtype " + info.dtype()
                            + ", which cannot be loaded as a DJL array (data() copies it as stored)");
        }
        long loadedBytes = info.elementCount() * info.dtype().loadedAs().getNumOfBytes();
        if (loadedBytes > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(
                    path + ": tensor '" + name + "' needs " + loadedBytes + " bytes once loaded; a single array over 2 GiB is not supported");
        }
        ByteBuffer bytes = rawBytes(name);
        try {
            return TensorCodec.decode(info, bytes, manager);
        } catch (RuntimeException e) {
            throw new SafetensorsException(path + ": cannot load tensor '" + name + "' (" + info + "): " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }
}
