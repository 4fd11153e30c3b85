package dev.mmpeft.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.testing.SharedFiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throws thousands of mutated files and shard indexes at the reader (random byte flips,
 * truncations, appended garbage, header-length changes and edits of the JSON text: numbers made
 * huge, negative or fractional, types renamed, characters dropped or inserted, keys duplicated).
 * The only thing allowed out is a {@link SafetensorsException}; a file that opens must then load
 * every tensor or fail with one. Deterministic: a failure names the seed and the mutation.
 */
class SafetensorsFuzzTest {
    private static final long SEED = 20240611L;
    private static final int FILE_CASES = 2000;
    private static final int INDEX_CASES = 300;

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
    void mutatedFilesOnlyEverRaiseSafetensorsException(@TempDir Path tmp) throws Exception {
        byte[][] seeds = {
            seedFile(tmp), Files.readAllBytes(SharedFiles.get("checkpoints/tiny-bert-seqcls/model.safetensors"))
        };
        Random random = new Random(SEED);
        int opened = 0;
        int rejected = 0;
        long start = System.nanoTime();
        for (int i = 0; i < FILE_CASES; i++) {
            byte[] seed = seeds[i % 20 == 19 ? 1 : 0];
            StringBuilder what = new StringBuilder();
            byte[] mutated = mutateFile(seed, random, what);
            // a fresh file each time: truncating and rewriting one file makes ext4 flush it to disk
            Path file = tmp.resolve("fuzz-" + i + ".safetensors");
            Files.write(file, mutated);
            try (Checkpoint c = Checkpoint.open(file); NDManager m = manager.newSubManager()) {
                opened++;
                for (String name : c.names()) {
                    try {
                        c.load(name, m).close();
                    } catch (SafetensorsException expected) {
                        rejected++;
                    }
                }
            } catch (SafetensorsException expected) {
                rejected++;
            } catch (Throwable unexpected) {
                fail("case " + i + " (seed " + SEED + ", " + what + ") threw " + unexpected, unexpected);
            }
            Files.delete(file);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        // both outcomes must actually occur, or the mutations test nothing
        assertTrue(opened > FILE_CASES / 10, "only " + opened + " mutated files opened");
        assertTrue(rejected > FILE_CASES / 2, "only " + rejected + " rejections");
        System.out.println(FILE_CASES + " mutated files: " + opened + " opened, " + rejected + " rejections, " + millis + " ms");
    }

    @Test
    void mutatedShardIndexesOnlyEverRaiseSafetensorsException(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("ckpt"));
        for (int s = 1; s <= 2; s++) {
            Map<String, TensorData> t = new LinkedHashMap<>();
            t.put("layer." + s + ".w", TensorData.of(DType.F32, new long[] {2}, ByteBuffer.wrap(Crafted.floats(s, -s))));
            SafetensorsWriter.writeData(dir.resolve("model-0000" + s + "-of-00002.safetensors"), t);
        }
        String index = "{\"metadata\":{\"total_size\":16},\"weight_map\":{"
                + "\"layer.1.w\":\"model-00001-of-00002.safetensors\",\"layer.2.w\":\"model-00002-of-00002.safetensors\"}}";
        Random random = new Random(SEED + 1);
        Path indexFile = dir.resolve(Checkpoint.INDEX_FILE);
        int opened = 0;
        for (int i = 0; i < INDEX_CASES; i++) {
            StringBuilder what = new StringBuilder();
            String mutated = mutateJson(index, random, what);
            Files.deleteIfExists(indexFile);
            Files.writeString(indexFile, mutated);
            try (Checkpoint c = Checkpoint.open(dir); NDManager m = manager.newSubManager()) {
                opened++;
                for (String name : c.names()) {
                    c.load(name, m);
                }
            } catch (SafetensorsException expected) {
                // fine
            } catch (Throwable unexpected) {
                fail("index case " + i + " (" + what + "): " + mutated + " threw " + unexpected, unexpected);
            }
        }
        assertTrue(opened > 0 && opened < INDEX_CASES, opened + " of " + INDEX_CASES + " mutated indexes opened");
    }

    private static byte[] mutateFile(byte[] seed, Random r, StringBuilder what) {
        long headerLength = ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        int headerEnd = (int) (8 + headerLength);
        switch (r.nextInt(7)) {
            case 6: {
                // the header stays valid, the values change: loading must cope with any bits
                byte[] out = seed.clone();
                int flips = 1 + r.nextInt(16);
                what.append("flip ").append(flips).append(" data bytes");
                for (int k = 0; k < flips && out.length > headerEnd; k++) {
                    out[headerEnd + r.nextInt(out.length - headerEnd)] = (byte) r.nextInt(256);
                }
                return out;
            }
            case 0: {
                byte[] out = seed.clone();
                int flips = 1 + r.nextInt(8);
                what.append("flip ").append(flips).append(" header bytes");
                for (int k = 0; k < flips; k++) {
                    int at = r.nextInt(Math.min(out.length, headerEnd + 16));
                    out[at] ^= (byte) (1 << r.nextInt(8));
                }
                return out;
            }
            case 1: {
                int length = r.nextInt(seed.length);
                what.append("truncate to ").append(length);
                return Arrays.copyOf(seed, length);
            }
            case 2: {
                int extra = 1 + r.nextInt(64);
                what.append("append ").append(extra);
                byte[] out = Arrays.copyOf(seed, seed.length + extra);
                for (int k = seed.length; k < out.length; k++) {
                    out[k] = (byte) r.nextInt(256);
                }
                return out;
            }
            case 3: {
                byte[] out = seed.clone();
                long value = r.nextBoolean() ? r.nextLong() : headerLength + r.nextInt(33) - 16;
                what.append("header length ").append(value);
                ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
                return out;
            }
            default: {
                String header = new String(seed, 8, (int) headerLength, StandardCharsets.UTF_8);
                String edited = mutateJson(header, r, what);
                int edits = r.nextInt(3);
                for (int k = 0; k < edits; k++) {
                    edited = mutateJson(edited, r, what.append(" + "));
                }
                byte[] h = edited.getBytes(StandardCharsets.UTF_8);
                int dataLength = seed.length - headerEnd;
                return ByteBuffer.allocate(8 + h.length + dataLength)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(h.length)
                        .put(h)
                        .put(seed, headerEnd, dataLength)
                        .array();
            }
        }
    }

    private static final String[] NUMBERS = {
        "0", "-1", "1", "7", "2.5", "1e3", "-0", "4294967296", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "99999999999999999999999999", "1.7976931348623157e308", "NaN", "null", "\"8\""
    };
    private static final String[] TYPES = {
        "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "U16", "U32", "U64", "F8_E4M3", "C64", "F4", "Q4", "", "f32"
    };
    private static final String[] INSERTS = {"{", "}", "[", "]", ",", ":", "\"", "\\", " ", "null", "\"x\":{}", "\u00e9", "\u0000"};

    /** One textual edit of a JSON document. */
    private static String mutateJson(String json, Random r, StringBuilder what) {
        switch (r.nextInt(6)) {
            case 0: {
                // replace one number
                int[] span = randomMatch(json, "-?[0-9]+", r);
                if (span == null) {
                    return json;
                }
                String replacement = NUMBERS[r.nextInt(NUMBERS.length)];
                what.append("number ").append(json, span[0], span[1]).append("->").append(replacement);
                return json.substring(0, span[0]) + replacement + json.substring(span[1]);
            }
            case 1: {
                int[] span = randomMatch(json, "\"(F|BF|I|U|BOOL|C)[0-9A-Z_]*\"", r);
                if (span == null) {
                    return json;
                }
                String replacement = "\"" + TYPES[r.nextInt(TYPES.length)] + "\"";
                what.append("dtype ->").append(replacement);
                return json.substring(0, span[0]) + replacement + json.substring(span[1]);
            }
            case 2: {
                int at = r.nextInt(json.length());
                what.append("drop char ").append(at);
                return json.substring(0, at) + json.substring(at + 1);
            }
            case 3: {
                int at = r.nextInt(json.length() + 1);
                String insert = INSERTS[r.nextInt(INSERTS.length)];
                what.append("insert '").append(insert).append("' at ").append(at);
                return json.substring(0, at) + insert + json.substring(at);
            }
            case 4: {
                // duplicate a "key":{...} member right after itself
                int[] span = randomMatch(json, "\"[^\"]+\":\\{[^{}]*\\}", r);
                if (span == null) {
                    return json;
                }
                what.append("duplicate member");
                String member = json.substring(span[0], span[1]);
                return json.substring(0, span[1]) + "," + member + json.substring(span[1]);
            }
            default: {
                // make a shape dimension or offset enormous but exact
                int[] span = randomMatch(json, "[0-9]+", r);
                if (span == null) {
                    return json;
                }
                String replacement = Long.toString(1L << (20 + r.nextInt(43)));
                what.append("big number ").append(replacement);
                return json.substring(0, span[0]) + replacement + json.substring(span[1]);
            }
        }
    }

    private static int[] randomMatch(String text, String regex, Random r) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
        java.util.List<int[]> spans = new java.util.ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        return spans.isEmpty() ? null : spans.get(r.nextInt(spans.size()));
    }
}
