package dev.mmpeft.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LargeAndShardedCheckpointTest {
    private static final long TWO_GIB = 1L << 31;

    /** A tensor declared in a header whose bytes the test writes itself (the writer never asks). */
    private static TensorData declared(DType dtype, long... shape) {
        return TensorData.lazy(dtype, shape, () -> {
            throw new UnsupportedOperationException("written by the test");
        });
    }

    /**
     * A 2.25 GiB single file: two zero-filled pads (written as holes, so the test stays fast and
     * light on disk), one tensor straddling the 2 GiB offset and tensors beyond it, read back with
     * the right values through 64-bit offsets.
     */
    @Test
    void readsTensorsBeyondTwoGibibytes(@TempDir Path tmp) throws Exception {
        Map<String, TensorData> layout = new LinkedHashMap<>();
        layout.put("a.pad", declared(DType.F32, (TWO_GIB - 1000) / 4));
        layout.put("b.cross", declared(DType.F32, 500));
        layout.put("c.pad", declared(DType.F32, (256L << 20) / 4));
        layout.put("d.tail", declared(DType.F32, 3, 4));
        layout.put("e.tail", declared(DType.BF16, 4));
        List<Map.Entry<String, ? extends TensorData>> ordered = SafetensorsWriter.layout(layout);
        ByteBuffer prefix = SafetensorsWriter.header(ordered, Map.of("purpose", "large file test"));
        long dataStart = prefix.remaining();

        float[] cross = new float[500];
        for (int i = 0; i < cross.length; i++) {
            cross[i] = i * 0.5f - 100f;
        }
        float[] tail = {1.5f, -2.25f, 3e-8f, 4e30f, -0f, 6f, 7f, 8f, 9f, 10f, 11f, Float.MIN_VALUE};
        int[] bf16 = {0x3F80, 0xC000, 0x7F80, 0x0001};
        long crossAt = dataStart + TWO_GIB - 1000;
        long cPadAt = crossAt + 2000;
        long tailAt = cPadAt + (256L << 20);
        long bf16At = tailAt + 48;

        Path file = tmp.resolve("model.safetensors");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            write(ch, 0, prefix);
            write(ch, crossAt - 4, ByteBuffer.wrap(Crafted.floats(42f))); // last element of a.pad
            write(ch, crossAt, ByteBuffer.wrap(Crafted.floats(cross)));
            write(ch, cPadAt, ByteBuffer.wrap(Crafted.floats(-7f))); // first element of c.pad
            write(ch, tailAt, ByteBuffer.wrap(Crafted.floats(tail)));
            write(ch, bf16At, ByteBuffer.wrap(Crafted.shorts(bf16)));
        }
        assertTrue(Files.size(file) > 2.2 * (1L << 30), "file size " + Files.size(file));

        try (Checkpoint c = Checkpoint.open(tmp); NDManager manager = NDManager.newBaseManager()) {
            assertEquals(List.of("a.pad", "b.cross", "c.pad", "d.tail", "e.tail"), new ArrayList<>(c.names()));
            assertEquals(Map.of("purpose", "large file test"), c.metadata());
            assertEquals(TWO_GIB - 1000, c.info("b.cross").begin());
            assertTrue(c.info("d.tail").begin() > TWO_GIB + (200L << 20));
            assertEquals(c.info("a.pad").elementCount() + 500 + c.info("c.pad").elementCount() + 12 + 4, c.parameterCount());

            assertArrayEquals(cross, c.load("b.cross", manager).toFloatArray());
            NDArray t = c.load("d.tail", manager);
            assertArrayEquals(new long[] {3, 4}, t.getShape().getShape());
            assertArrayEquals(tail, t.toFloatArray());
            NDArray b = c.load("e.tail", manager);
            assertEquals(DataType.FLOAT32, b.getDataType());
            assertArrayEquals(new float[] {1f, -2f, Float.POSITIVE_INFINITY, Float.intBitsToFloat(0x00010000)}, b.toFloatArray());

            // the pads are read through mappings at 64-bit positions, without loading them
            SafetensorsFile f = c.files().get(0);
            ByteBuffer aPad = f.rawBytes("a.pad");
            assertEquals(42f, aPad.getFloat(aPad.limit() - 4));
            assertEquals(0f, aPad.getFloat(0));
            assertEquals(-7f, f.rawBytes("c.pad").getFloat(0));
        }
    }

    private static void write(FileChannel ch, long position, ByteBuffer bytes) throws Exception {
        long p = position;
        while (bytes.hasRemaining()) {
            p += ch.write(bytes, p);
        }
    }

    /** A checkpoint in three shards with a Hugging Face index, written with the SDK's writer. */
    @Test
    void readsAShardedCheckpointThroughItsIndex(@TempDir Path tmp) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> all = new LinkedHashMap<>();
            ObjectNode index = Json.mapper().createObjectNode();
            ObjectNode weightMap = index.putObject("weight_map");
            long totalBytes = 0;
            for (int shard = 1; shard <= 3; shard++) {
                String shardName = String.format("model-%05d-of-%05d.safetensors", shard, 3);
                Map<String, NDArray> tensors = new LinkedHashMap<>();
                for (int layer = (shard - 1) * 2; layer < shard * 2; layer++) {
                    NDArray w = manager.arange(0f, 12f).reshape(3, 4).add(layer * 100f);
                    NDArray bias = manager.create(new long[] {layer, layer + 1, layer + 2});
                    tensors.put("model.layers." + layer + ".weight", w);
                    tensors.put("model.layers." + layer + ".ids", bias);
                    totalBytes += 12 * 4 + 3 * 8;
                }
                SafetensorsWriter.write(tmp.resolve(shardName), tensors, Map.of("format", "pt"));
                tensors.keySet().forEach(n -> weightMap.put(n, shardName));
                all.putAll(tensors);
            }
            index.putObject("metadata").put("total_size", totalBytes);
            Files.writeString(tmp.resolve(Checkpoint.INDEX_FILE), Json.write(index));

            try (Checkpoint c = Checkpoint.open(tmp)) {
                assertEquals(3, c.files().size());
                assertEquals(all.keySet(), new java.util.HashSet<>(c.names()));
                assertEquals(Map.of("total_size", Long.toString(totalBytes)), c.metadata());
                assertEquals(6 * (12 + 3), c.parameterCount());
                for (Map.Entry<String, NDArray> e : all.entrySet()) {
                    NDArray loaded = c.load(e.getKey(), manager);
                    assertEquals(e.getValue().getDataType(), loaded.getDataType(), e.getKey());
                    assertEquals(e.getValue().getShape(), loaded.getShape(), e.getKey());
                    assertTrue(e.getValue().contentEquals(loaded), e.getKey());
                }
                assertArrayEquals(new float[] {500, 501, 502, 503}, c.load("model.layers.5.weight", manager).get(0).toFloatArray());
            }
            // the index file itself opens the same checkpoint
            try (Checkpoint viaIndex = Checkpoint.open(tmp.resolve(Checkpoint.INDEX_FILE))) {
                assertEquals(12, viaIndex.names().size());
                assertArrayEquals(new long[] {5, 6, 7}, viaIndex.load("model.layers.5.ids", manager).toLongArray());
            }
        }
    }
}
