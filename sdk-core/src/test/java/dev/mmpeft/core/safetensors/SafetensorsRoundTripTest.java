package dev.mmpeft.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.mmpeft.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
    /** The types the issue names; every one must survive read -> write -> read bit for bit. */
    private static final EnumSet<DType> ISSUE_TYPES = EnumSet.of(
            DType.F32, DType.F16, DType.BF16, DType.F64, DType.I64, DType.I32, DType.I16, DType.I8, DType.U8, DType.BOOL);

    private static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void release() {
        manager.close();
    }

    /** Random bytes for every type (0/1 for BOOL), in three shapes: a matrix, a scalar, an empty one. */
    private static Map<String, TensorData> everyType(long seed) {
        Random random = new Random(seed);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (DType t : DType.values()) {
            for (long[] shape : new long[][] {{3, 5}, {}, {0, 4}}) {
                long n = 1;
                for (long d : shape) {
                    n *= d;
                }
                byte[] bytes = new byte[(int) n * t.byteSize()];
                random.nextBytes(bytes);
                if (t == DType.BOOL) {
                    for (int i = 0; i < bytes.length; i++) {
                        bytes[i] = (byte) (bytes[i] & 1);
                    }
                }
                String name = "t." + t.name().toLowerCase() + "." + shape.length;
                tensors.put(name, TensorData.of(t, shape, ByteBuffer.wrap(bytes)));
            }
        }
        return tensors;
    }

    @Test
    void everyTypeRoundTripsBitExactThroughTheRawPath(@TempDir Path tmp) throws Exception {
        Map<String, TensorData> original = everyType(7);
        Path first = tmp.resolve("first.safetensors");
        SafetensorsWriter.writeData(first, original, Map.of("format", "pt", "note", "round trip"));
        Path second = tmp.resolve("second.safetensors");
        try (Checkpoint c = Checkpoint.open(first)) {
            assertEquals(original.keySet(), new java.util.HashSet<>(c.names()));
            assertEquals(Map.of("format", "pt", "note", "round trip"), c.metadata());
            Map<String, TensorData> copy = new LinkedHashMap<>();
            for (Map.Entry<String, TensorData> e : original.entrySet()) {
                TensorInfo info = c.info(e.getKey());
                assertEquals(e.getValue().dtype(), info.dtype(), e.getKey());
                assertArrayEquals(e.getValue().shape(), info.shape(), e.getKey());
                assertArrayEquals(Crafted.remaining(e.getValue().bytes()), Crafted.remaining(c.files().get(0).rawBytes(e.getKey())), e.getKey());
                copy.put(e.getKey(), c.data(e.getKey()));
            }
            SafetensorsWriter.writeData(second, copy, c.metadata());
        }
        // the copy is the same file, byte for byte (BF16 stays BF16, NaN payloads survive)
        assertEquals(-1, Files.mismatch(first, second));
    }

    @Test
    void everyIssueTypeRoundTripsThroughDjlArrays(@TempDir Path tmp) throws Exception {
        Map<String, TensorData> original = everyType(11);
        original.keySet().removeIf(name -> ISSUE_TYPES.stream().noneMatch(t -> name.startsWith("t." + t.name().toLowerCase() + ".")));
        Path source = tmp.resolve("source.safetensors");
        SafetensorsWriter.writeData(source, original);
        Path rewritten = tmp.resolve("rewritten.safetensors");
        try (Checkpoint c = Checkpoint.open(source); NDManager m = manager.newSubManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (String name : c.names()) {
                NDArray a = c.load(name, m);
                assertEquals(c.info(name).dtype().loadedAs(), a.getDataType(), name);
                assertArrayEquals(c.info(name).shape(), a.getShape().getShape(), name);
                arrays.put(name, a);
            }
            SafetensorsWriter.write(rewritten, arrays);
        }
        try (Checkpoint back = Checkpoint.open(rewritten)) {
            for (Map.Entry<String, TensorData> e : original.entrySet()) {
                DType t = e.getValue().dtype();
                byte[] expected = Crafted.remaining(e.getValue().bytes());
                byte[] actual = Crafted.remaining(back.files().get(0).rawBytes(e.getKey()));
                if (t.isWidened()) {
                    // BF16 and I16 come back as the exact wider values DJL can hold
                    assertEquals(DType.of(t.loadedAs()), back.info(e.getKey()).dtype(), e.getKey());
                    assertArrayEquals(widen(t, expected), actual, e.getKey());
                } else {
                    assertEquals(t, back.info(e.getKey()).dtype(), e.getKey());
                    assertArrayEquals(expected, actual, e.getKey());
                }
            }
        }
    }

    /** The exact widening, computed here independently of the codec. */
    private static byte[] widen(DType t, byte[] in) {
        ByteBuffer src = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN);
        int n = in.length / 2;
        ByteBuffer out = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            short s = src.getShort();
            if (t == DType.BF16) {
                out.putFloat(Float.intBitsToFloat((s & 0xFFFF) << 16));
            } else {
                out.putInt(s);
            }
        }
        return out.array();
    }

    @Test
    void bytesMatchTheReferenceImplementation(@TempDir Path tmp) throws Exception {
        // the expected files are those the reference's own tests (safetensors/src/tensor.rs) spell out
        byte[] values = Crafted.floats(0f, 1f, 2f, 3f, 4f, 5f);
        Path a = tmp.resolve("a.safetensors");
        SafetensorsWriter.writeData(a, Map.of("attn.0", TensorData.of(DType.F32, new long[] {1, 2, 3}, ByteBuffer.wrap(values))));
        assertArrayEquals(
                Crafted.bytes("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}", values),
                Files.readAllBytes(a));

        Path b = tmp.resolve("b.safetensors");
        SafetensorsWriter.writeData(b, Map.of("attn0", TensorData.of(DType.F32, new long[] {1, 1, 2, 3}, ByteBuffer.wrap(values))));
        assertArrayEquals(
                Crafted.bytes("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ", values),
                Files.readAllBytes(b));

        Path empty = tmp.resolve("empty.safetensors");
        SafetensorsWriter.writeData(empty, Map.of());
        assertArrayEquals(new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '}, Files.readAllBytes(empty));

        Path meta = tmp.resolve("meta.safetensors");
        SafetensorsWriter.writeData(meta, Map.of(), Map.of("framework", "pt"));
        assertArrayEquals(Crafted.bytes("{\"__metadata__\":{\"framework\":\"pt\"}}     ", new byte[0]), Files.readAllBytes(meta));
    }

    @Test
    void layoutIsAlignedSortedAndIndependentOfMapOrder(@TempDir Path tmp) throws Exception {
        Map<String, TensorData> tensors = everyType(3);
        List<String> names = new ArrayList<>(tensors.keySet());
        Map<String, TensorData> reversed = new LinkedHashMap<>();
        for (int i = names.size() - 1; i >= 0; i--) {
            reversed.put(names.get(i), tensors.get(names.get(i)));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("z", "last");
        meta.put("a", "first");
        Path x = tmp.resolve("x.safetensors");
        Path y = tmp.resolve("y.safetensors");
        SafetensorsWriter.writeData(x, tensors, meta);
        SafetensorsWriter.writeData(y, reversed, Map.of("a", "first", "z", "last"));
        assertEquals(-1, Files.mismatch(x, y));

        byte[] file = Files.readAllBytes(x);
        long headerLength = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, headerLength % 8);
        String header = new String(file, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"a\":\"first\",\"z\":\"last\"},"), header);
        try (SafetensorsFile f = SafetensorsFile.open(x)) {
            List<TensorInfo> order = new ArrayList<>(f.tensors().values());
            for (int i = 1; i < order.size(); i++) {
                TensorInfo prev = order.get(i - 1);
                TensorInfo cur = order.get(i);
                // header order is storage order: larger types first, then names
                assertEquals(prev.end(), cur.begin());
                assertTrue(prev.dtype().ordinal() > cur.dtype().ordinal()
                        || (prev.dtype() == cur.dtype() && prev.name().compareTo(cur.name()) < 0), prev + " before " + cur);
            }
            for (TensorInfo t : order) {
                // every tensor starts at a multiple of its element size in the file
                assertEquals(0, (8 + headerLength + t.begin()) % t.dtype().byteSize(), t.toString());
            }
        }
    }

    @Test
    void aFailureMidWriteKeepsThePreviousFileAndLeavesNoTemporaryFile(@TempDir Path tmp) throws Exception {
        Path target = tmp.resolve("model.safetensors");
        SafetensorsWriter.writeData(target, Map.of("w", TensorData.of(DType.F32, new long[] {2}, ByteBuffer.wrap(Crafted.floats(1f, 2f)))));
        byte[] before = Files.readAllBytes(target);

        Map<String, TensorData> failing = new LinkedHashMap<>();
        failing.put("a.first", TensorData.of(DType.F32, new long[] {1024}, ByteBuffer.allocate(4096)));
        failing.put("b.second", TensorData.lazy(DType.F32, new long[] {4}, () -> {
            throw new IOException("disk on fire");
        }));
        IOException e = assertThrows(IOException.class, () -> SafetensorsWriter.writeData(target, failing));
        assertEquals("disk on fire", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(target));
        assertEquals(List.of(target), list(tmp));

        // a tensor whose bytes do not match its shape is refused the same way, naming it
        Map<String, TensorData> lying = Map.of("short", TensorData.lazy(DType.F32, new long[] {4}, () -> ByteBuffer.allocate(12)));
        IOException size = assertThrows(IOException.class, () -> SafetensorsWriter.writeData(target, lying));
        assertTrue(size.getMessage().contains("tensor 'short'") && size.getMessage().contains("produced 12 bytes, expected 16"), size.getMessage());
        assertArrayEquals(before, Files.readAllBytes(target));
        assertEquals(List.of(target), list(tmp));

        // and a DJL array that fails while being encoded (closed) as well
        NDArray closed = manager.create(new float[] {1, 2, 3});
        closed.close();
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        arrays.put("a", manager.create(new float[] {1}));
        arrays.put("b", closed);
        assertThrows(RuntimeException.class, () -> SafetensorsWriter.write(target, arrays));
        assertArrayEquals(before, Files.readAllBytes(target));
        assertEquals(List.of(target), list(tmp));
    }

    @Test
    void atomicFilesKeepThePreviousContentOnFailure(@TempDir Path tmp) throws Exception {
        Path target = tmp.resolve("report.json");
        AtomicFiles.writeString(target, "old");
        assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write("new and half".getBytes(StandardCharsets.UTF_8));
            throw new IOException("killed");
        }));
        assertEquals("old", Files.readString(target));
        assertEquals(List.of(target), list(tmp));
        AtomicFiles.writeString(target, "new");
        assertEquals("new", Files.readString(target));
        assertEquals(List.of(target), list(tmp));
    }

    @Test
    void writerRefusesReservedNamesAndUnnamedTypes() {
        IllegalArgumentException reserved = assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.writeData(Path.of("unused"), Map.of("__metadata__", TensorData.of(DType.U8, new long[] {0}, ByteBuffer.allocate(0)))));
        assertTrue(reserved.getMessage().contains("reserved"));
        // (no array of such a type is created: DJL aborts the JVM on UINT32)
        assertThrows(IllegalArgumentException.class, () -> DType.of(DataType.UINT32));
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> TensorData.of(DType.F32, new long[] {3}, ByteBuffer.allocate(8)));
        assertTrue(size.getMessage().contains("needs 12 bytes, got 8"), size.getMessage());
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
