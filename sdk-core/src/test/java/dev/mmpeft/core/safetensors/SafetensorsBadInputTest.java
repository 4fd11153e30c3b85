package dev.mmpeft.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.testing.SharedFiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of broken file gets a SafetensorsException whose message names the file and tensor. */
class SafetensorsBadInputTest {
    @TempDir Path tmp;

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    private Path crafted(String name, String header, int dataBytes) throws Exception {
        return Crafted.file(tmp, name, header, Crafted.counting(dataBytes));
    }

    /** Opening the file (or loading every tensor of it) fails with a message holding all parts. */
    private static SafetensorsException fails(Path file, String... parts) {
        return assertFails(() -> {
            try (Checkpoint c = Checkpoint.open(file); NDManager m = NDManager.newBaseManager()) {
                for (String n : c.names()) {
                    c.load(n, m);
                }
            }
        }, parts);
    }

    private static SafetensorsException assertFails(Executable call, String... parts) {
        SafetensorsException e = assertThrows(SafetensorsException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "message '" + e.getMessage() + "' lacks '" + part + "'");
        }
        return e;
    }

    @Test
    void headerLengthBeyondTheFile() throws Exception {
        byte[] bytes = Crafted.bytes("{}", new byte[0]);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 5000);
        Path file = tmp.resolve("long-header.safetensors");
        Files.write(file, bytes);
        fails(file, file.toString(), "header length 5000 goes beyond the end of the file (10 bytes");

        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -2);
        Files.write(file, bytes);
        fails(file, file.toString(), "header length 18446744073709551614 exceeds the limit");

        Path tiny = tmp.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        fails(tiny, tiny.toString(), "file is 3 bytes");
    }

    @Test
    void truncatedData() throws Exception {
        Path file = crafted("truncated.safetensors", "{" + entry("w", "F32", "[4]", 0, 16) + "}", 8);
        fails(file, file.toString(), "tensor 'w'", "data_offsets [0,16] reach beyond the data section of 8 bytes (truncated file?)");

        // a real checkpoint cut short
        Path real = SharedFiles.get("checkpoints/stories260K/model.safetensors");
        byte[] all = Files.readAllBytes(real);
        Path cut = tmp.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(all, all.length - 100));
        fails(cut, cut.toString(), "tensor 'model.norm.weight'", "truncated file?");
    }

    @Test
    void overlappingAndOutOfRangeOffsets() throws Exception {
        Path overlap = crafted("overlap.safetensors",
                "{" + entry("a", "F32", "[4]", 0, 16) + "," + entry("b", "F32", "[4]", 8, 24) + "}", 24);
        fails(overlap, overlap.toString(), "tensor 'b' bytes [8, 24) overlap tensor 'a'");

        Path backwards = crafted("backwards.safetensors", "{" + entry("a", "F32", "[2]", 16, 8) + "}", 16);
        fails(backwards, backwards.toString(), "tensor 'a'", "end before they begin");

        Path negative = crafted("negative.safetensors", "{" + entry("a", "F32", "[1]", -4, 0) + "}", 4);
        fails(negative, negative.toString(), "tensor 'a'", "must be non-negative integers");

        Path beyond = crafted("beyond.safetensors", "{" + entry("a", "U8", "[4]", 100, 104) + "}", 8);
        fails(beyond, beyond.toString(), "tensor 'a'", "reach beyond the data section of 8 bytes");

        Path hole = crafted("hole.safetensors",
                "{" + entry("a", "U8", "[8]", 0, 8) + "," + entry("b", "U8", "[8]", 16, 24) + "}", 24);
        fails(hole, hole.toString(), "tensor 'b' starts at 16 but the previous tensor ends at 8");

        Path trailing = crafted("trailing.safetensors", "{" + entry("a", "U8", "[8]", 0, 8) + "}", 24);
        fails(trailing, trailing.toString(), "tensors cover 8 bytes of a 24-byte data section");

        Path notPair = crafted("pair.safetensors", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", 1);
        fails(notPair, notPair.toString(), "tensor 'a'", "'data_offsets' must be an array [begin, end]");
    }

    @Test
    void shapeTimesTypeSizeMustEqualTheSpan() throws Exception {
        Path file = crafted("span.safetensors", "{" + entry("w", "F32", "[2,3]", 0, 16) + "}", 16);
        fails(file, file.toString(), "tensor 'w'", "shape [2,3] of F32 needs 24 bytes but data_offsets [0,16] span 16");

        Path overflow = crafted("overflow.safetensors", "{" + entry("w", "F32", "[4611686018427387904,4]", 0, 16) + "}", 16);
        fails(overflow, overflow.toString(), "tensor 'w'", "overflows a 64-bit");

        Path negative = crafted("negdim.safetensors", "{" + entry("w", "F32", "[-1]", 0, 4) + "}", 4);
        fails(negative, negative.toString(), "tensor 'w'", "shape dimension 0 must be a non-negative integer, found -1");

        Path fraction = crafted("fraction.safetensors", "{" + entry("w", "F32", "[1.5]", 0, 4) + "}", 4);
        fails(fraction, fraction.toString(), "tensor 'w'", "found 1.5");

        Path huge = crafted("huge.safetensors", "{" + entry("w", "F32", "[100000000000000000000000]", 0, 4) + "}", 4);
        fails(huge, huge.toString(), "tensor 'w'", "shape dimension 0 must be a non-negative integer");
    }

    @Test
    void unknownTypesAndMissingFields() throws Exception {
        Path unknown = crafted("unknown.safetensors", "{" + entry("w", "Q4_0", "[4]", 0, 4) + "}", 4);
        fails(unknown, unknown.toString(), "tensor 'w'", "unknown dtype 'Q4_0'", "expected one of BOOL, U8");

        Path noType = crafted("notype.safetensors", "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        fails(noType, noType.toString(), "tensor 'w'", "missing or non-string 'dtype'");

        Path noShape = crafted("noshape.safetensors", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4);
        fails(noShape, noShape.toString(), "tensor 'w'", "missing or non-array 'shape'");

        Path notObject = crafted("notobject.safetensors", "{\"w\":[1,2]}", 0);
        fails(notObject, notObject.toString(), "tensor 'w'", "entry must be an object");

        // a type the reference knows but DJL cannot hold: the file opens, loading says why not
        Path fp8 = crafted("fp8.safetensors", "{" + entry("w", "F8_E4M3", "[4]", 0, 4) + "}", 4);
        try (SafetensorsFile f = SafetensorsFile.open(fp8)) {
            assertEquals(DType.F8_E4M3, f.info("w").dtype());
            assertEquals(4, f.rawBytes("w").remaining());
        }
        fails(fp8, fp8.toString(), "tensor 'w' has dtype F8_E4M3, which cannot be loaded");
    }

    @Test
    void invalidJsonAndDuplicates() throws Exception {
        Path broken = crafted("broken.safetensors", "{\"w\":{\"dtype\":\"F32\",", 0);
        fails(broken, broken.toString(), "header is not valid JSON");

        Path array = crafted("array.safetensors", "[1,2,3]", 0);
        fails(array, array.toString(), "header must be a JSON object");

        byte[] bad = Crafted.bytes("{\"w\":1}", new byte[0]);
        bad[10] = (byte) 0xFF;
        Path utf8 = tmp.resolve("utf8.safetensors");
        Files.write(utf8, bad);
        fails(utf8, utf8.toString(), "header is not valid UTF-8");

        Path dup = crafted("dup.safetensors",
                "{" + entry("w", "U8", "[4]", 0, 4) + "," + entry("w", "U8", "[4]", 4, 8) + "}", 8);
        fails(dup, dup.toString(), "Duplicate field 'w'");

        Path meta = crafted("meta.safetensors", "{\"__metadata__\":{\"format\":1}}", 0);
        fails(meta, meta.toString(), "__metadata__ value of 'format' must be a string");

        Path metaArray = crafted("meta-array.safetensors", "{\"__metadata__\":[1]}", 0);
        fails(metaArray, metaArray.toString(), "__metadata__ must be an object of strings");

        // null metadata is allowed, as in the reference
        Path metaNull = crafted("meta-null.safetensors", "{\"__metadata__\":null," + entry("w", "U8", "[2]", 0, 2) + "}", 2);
        try (SafetensorsFile f = SafetensorsFile.open(metaNull)) {
            assertEquals(Map.of(), f.metadata());
        }
    }

    @Test
    void indexNamingAMissingShardOrTensor() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("sharded"));
        Crafted.file(dir, "model-00001-of-00002.safetensors", "{" + entry("a", "U8", "[2]", 0, 2) + "}", Crafted.counting(2));
        Path index = dir.resolve(Checkpoint.INDEX_FILE);

        Files.writeString(index, "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}}");
        fails(dir, index.toString(), "tensor 'b' is in shard 'model-00002-of-00002.safetensors', which does not exist");

        Files.writeString(index, "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"c\":\"model-00001-of-00002.safetensors\"}}");
        fails(dir, index.toString(), "tensor 'c' is listed in shard 'model-00001-of-00002.safetensors' but that shard does not hold it");

        Files.writeString(index, "{\"weight_map\":{\"a\":\"../elsewhere.safetensors\"}}");
        fails(dir, index.toString(), "shard '../elsewhere.safetensors' lies outside the checkpoint directory");

        // a directory reached through ".." (as the CLI's relative paths often are) still holds its own shards
        Files.writeString(index, "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\"}}");
        Path roundabout = dir.resolve("..").resolve(dir.getFileName());
        try (Checkpoint c = Checkpoint.open(roundabout)) {
            assertEquals(java.util.Set.of("a"), c.names());
        }

        Files.writeString(index, "{\"weight_map\":{\"a\":\"x\", \"a\":\"y\"}}");
        fails(dir, index.toString(), "Duplicate field 'a'");

        Files.writeString(index, "{\"metadata\":{}}");
        fails(dir, index.toString(), "missing 'weight_map' object");

        Files.writeString(index, "{\"weight_map\":{\"a\":7}}");
        fails(dir, index.toString(), "weight_map entry 'a' must name a file");

        Files.writeString(index, "{\"weight_map\":");
        fails(dir, index.toString(), "invalid JSON");
    }

    @Test
    void missingCheckpointsAndTensors() throws Exception {
        Path nowhere = tmp.resolve("nowhere");
        fails(nowhere, nowhere.toString(), "no such checkpoint file or directory");

        Path empty = Files.createDirectory(tmp.resolve("empty"));
        fails(empty, empty.toString(), "found no .safetensors file");

        Path two = Files.createDirectory(tmp.resolve("two"));
        Crafted.file(two, "a.safetensors", "{}", new byte[0]);
        Crafted.file(two, "b.safetensors", "{}", new byte[0]);
        fails(two, two.toString(), "found several .safetensors files and no index");

        Path one = crafted("one.safetensors", "{" + entry("a", "U8", "[2]", 0, 2) + "}", 2);
        try (Checkpoint c = Checkpoint.open(one); NDManager m = NDManager.newBaseManager()) {
            assertFails(() -> c.load("b", m), one.toString(), "no tensor named 'b'");
            assertFails(() -> c.info("b"), one.toString(), "no tensor named 'b'");
            assertFails(() -> c.data("b"), one.toString(), "no tensor named 'b'");
            assertEquals(2, c.load("a", m).size());
        }
        assertTrue(new String(Files.readAllBytes(one), StandardCharsets.UTF_8).contains("\"a\""));
    }
}
