package dev.mmpeft.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.testing.ByteMutations;
import dev.mmpeft.core.testing.FuzzCampaign;
import dev.mmpeft.core.testing.JsonMutations;
import dev.mmpeft.core.testing.Mutation;
import dev.mmpeft.core.testing.SharedFiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throws thousands of mutated files and shard indexes at the reader: truncations, byte flips,
 * header-length fields pointing anywhere, JSON values swapped for null / {} / [] / huge or
 * negative numbers / lone surrogates, keys deleted and duplicated, wrong dtypes, wrong shapes,
 * offsets past the end or overlapping. The only thing allowed out is a {@link
 * SafetensorsException} naming the file; a file that opens must then load every tensor or fail
 * with one. Deterministic: a failure names the seed, the case and the mutation.
 */
class SafetensorsFuzzTest {
    private static final long SEED = 20240611L;
    private static final int FILE_CASES = 2500;
    private static final int INDEX_CASES = 600;
    private static final String[] DTYPES = {
        "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2",
        "C64", "F4", "Q4", "", "f32", "F32 ", "\\ud800"
    };

    private static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void release() {
        manager.close();
    }

    private static byte[] seedFile(Path tmp) throws Exception {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Random r = new Random(1);
        for (DType t : new DType[] {DType.F32, DType.BF16, DType.F16, DType.I64, DType.I16, DType.U8, DType.BOOL, DType.F64}) {
            byte[] bytes = new byte[6 * t.byteSize()];
            r.nextBytes(bytes);
            if (t == DType.BOOL) {
                Arrays.fill(bytes, (byte) 1);
            }
            tensors.put("layer." + t.name().toLowerCase() + ".weight", TensorData.of(t, new long[] {2, 3}, ByteBuffer.wrap(bytes)));
        }
        tensors.put("scalar", TensorData.of(DType.F32, new long[] {}, ByteBuffer.wrap(Crafted.floats(1f))));
        tensors.put("empty", TensorData.of(DType.F32, new long[] {0, 5}, ByteBuffer.allocate(0)));
        Path p = tmp.resolve("seed.safetensors");
        SafetensorsWriter.writeData(p, tensors, Map.of("format", "pt"));
        return Files.readAllBytes(p);
    }

    @Test
    void mutatedFilesOnlyEverRaiseSafetensorsExceptionNamingTheFile(@TempDir Path tmp) throws Exception {
        byte[][] seeds = {
            seedFile(tmp), Files.readAllBytes(SharedFiles.get("checkpoints/tiny-bert-seqcls/model.safetensors"))
        };
        int[] counter = {0};
        FuzzCampaign.Result result = FuzzCampaign.of("safetensors file", SEED, FILE_CASES)
                .typed(SafetensorsException.class)
                .run((random, m) -> {
                    // the large real seed in 1 case of 20 keeps the run short on a busy machine
                    byte[] seed = seeds[random.nextInt(20) == 0 ? 1 : 0];
                    byte[] mutated = mutateFile(seed, random, m);
                    // a fresh file each time: truncating and rewriting one file makes ext4 flush it to disk
                    Path file = tmp.resolve("fuzz-" + counter[0]++ + ".safetensors");
                    Files.deleteIfExists(tmp.resolve("fuzz-" + (counter[0] - 2) + ".safetensors"));
                    Files.write(file, mutated);
                    m.mustName(file.getFileName().toString());
                    return () -> readEverything(file);
                });
        // both outcomes must actually occur, or the mutations test nothing
        assertTrue(result.accepted() > FILE_CASES / 10, result.toString());
        assertTrue(result.rejected() > FILE_CASES / 2, result.toString());
    }

    @Test
    void mutatedShardIndexesOnlyEverRaiseSafetensorsExceptionNamingTheIndex(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("ckpt"));
        for (int s = 1; s <= 2; s++) {
            Map<String, TensorData> t = new LinkedHashMap<>();
            t.put("layer." + s + ".w", TensorData.of(DType.F32, new long[] {2}, ByteBuffer.wrap(Crafted.floats(s, -s))));
            SafetensorsWriter.writeData(dir.resolve("model-0000" + s + "-of-00002.safetensors"), t);
        }
        String index = "{\"metadata\":{\"total_size\":16},\"weight_map\":{"
                + "\"layer.1.w\":\"model-00001-of-00002.safetensors\",\"layer.2.w\":\"model-00002-of-00002.safetensors\"}}";
        Path indexFile = dir.resolve(Checkpoint.INDEX_FILE);
        FuzzCampaign.Result result = FuzzCampaign.of("safetensors shard index", SEED + 1, INDEX_CASES)
                .typed(SafetensorsException.class)
                .requireFieldNames()
                .run((random, m) -> {
                    String mutated = JsonMutations.mutate(index, random, m);
                    m.input(mutated);
                    Files.deleteIfExists(indexFile);
                    Files.writeString(indexFile, mutated);
                    m.mustName(Checkpoint.INDEX_FILE);
                    return () -> readEverything(dir);
                });
        assertTrue(result.accepted() > 0 && result.rejected() > INDEX_CASES / 4, result.toString());
    }

    /** What the shard-index fuzzing found, as a fixed case: it must stay a typed error. */
    @Test
    void aShardNameThatIsNoValidPathIsASafetensorsException(@TempDir Path tmp) throws Exception {
        Path index = tmp.resolve(Checkpoint.INDEX_FILE);
        Files.writeString(index, "{\"weight_map\":{\"w\":\"model-00001\\ud800.safetensors\"}}");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Checkpoint.open(tmp));
        assertTrue(e.getMessage().contains(Checkpoint.INDEX_FILE) && e.getMessage().contains("weight_map entry 'w'")
                && e.getMessage().contains("not a valid file name"), e.getMessage());
    }

    private static void readEverything(Path location) throws Exception {
        try (Checkpoint c = Checkpoint.open(location); NDManager m = manager.newSubManager()) {
            c.metadata().forEach((k, v) -> k.length());
            for (String name : c.names()) {
                c.load(name, m).close();
                c.data(name).bytes();
            }
        }
    }

    private static byte[] mutateFile(byte[] seed, Random r, Mutation m) {
        long headerLength = ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        int headerEnd = (int) (8 + headerLength);
        switch (r.nextInt(10)) {
            case 0:
            case 1:
                return ByteMutations.mutate(seed, r, m);
            case 2:
                // the header stays valid, the values change: loading must cope with any bits
                return ByteMutations.flip(seed, headerEnd, seed.length, r, m);
            case 3:
                // the header length pointing before, into, or past the end of the header and file
                return ByteMutations.overwriteLong(seed, 0, r, m);
            case 4:
                return ByteMutations.flip(seed, 0, Math.min(seed.length, headerEnd + 16), r, m);
            default: {
                String header = new String(seed, 8, (int) headerLength, StandardCharsets.UTF_8);
                String edited = r.nextInt(3) == 0 ? JsonMutations.mutate(header, r, m) : editTensorEntry(header, seed.length - headerEnd, r, m);
                return withHeader(edited, seed, headerEnd);
            }
        }
    }

    private static byte[] withHeader(String header, byte[] seed, int headerEnd) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int dataLength = seed.length - headerEnd;
        return ByteBuffer.allocate(8 + h.length + dataLength)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length)
                .put(h)
                .put(seed, headerEnd, dataLength)
                .array();
    }

    /** A plausible but wrong edit of one tensor's entry: its dtype, its shape or its offsets. */
    private static String editTensorEntry(String header, long dataSize, Random r, Mutation m) {
        ObjectNode root = (ObjectNode) JsonMutations.parse(header);
        List<String> names = new ArrayList<>();
        root.fieldNames().forEachRemaining(n -> {
            if (!n.equals("__metadata__")) {
                names.add(n);
            }
        });
        String name = names.get(r.nextInt(names.size()));
        ObjectNode entry = (ObjectNode) root.get(name);
        ArrayNode shape = (ArrayNode) entry.get("shape");
        ArrayNode offsets = (ArrayNode) entry.get("data_offsets");
        switch (r.nextInt(6)) {
            case 0: {
                String dtype = DTYPES[r.nextInt(DTYPES.length)];
                m.describe("tensor " + name + ": dtype -> '" + dtype + "'");
                // the raw JSON escape, so a lone surrogate stays one
                entry.put("dtype", "@@DTYPE@@");
                return root.toString().replace("\"@@DTYPE@@\"", "\"" + dtype + "\"");
            }
            case 1: {
                if (r.nextBoolean()) {
                    shape.add(1 + r.nextInt(3));
                } else if (shape.size() > 0) {
                    shape.remove(r.nextInt(shape.size()));
                }
                m.describe("tensor " + name + ": rank changed to shape " + shape);
                return root.toString();
            }
            case 2: {
                long[] dims = {0, 1, -1, 1L << 31, 1L << 40, Long.MAX_VALUE, 3};
                long d = dims[r.nextInt(dims.length)];
                if (shape.size() == 0) {
                    shape.add(d);
                } else {
                    shape.set(r.nextInt(shape.size()), d);
                }
                m.describe("tensor " + name + ": shape -> " + shape);
                return root.toString();
            }
            case 3: {
                // overlap: start where another tensor starts
                String other = names.get(r.nextInt(names.size()));
                long begin = root.get(other).get("data_offsets").get(0).asLong();
                long span = offsets.get(1).asLong() - offsets.get(0).asLong();
                offsets.set(0, begin);
                offsets.set(1, begin + span);
                m.describe("tensor " + name + ": data_offsets overlap " + other + " -> " + offsets);
                return root.toString();
            }
            case 4: {
                long past = dataSize + r.nextInt(64);
                offsets.set(1, past);
                if (r.nextBoolean()) {
                    offsets.set(0, past - (offsets.get(1).asLong() - offsets.get(0).asLong()));
                }
                m.describe("tensor " + name + ": data_offsets past the end -> " + offsets);
                return root.toString();
            }
            default: {
                JsonNode begin = offsets.get(0);
                offsets.set(0, offsets.get(1));
                offsets.set(1, begin);
                m.describe("tensor " + name + ": data_offsets swapped -> " + offsets);
                return root.toString();
            }
        }
    }
}
