package dev.mmpeft.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.InvalidExampleException;
import dev.mmpeft.core.testing.ByteMutations;
import dev.mmpeft.core.testing.FuzzCampaign;
import dev.mmpeft.core.testing.JsonMutations;
import dev.mmpeft.core.testing.Mutation;
import dev.mmpeft.core.testing.SharedFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of mutated JSON Lines files: one line's record edited structurally (values swapped
 * for null / {} / [] / huge numbers / lone surrogates, keys deleted, duplicated or renamed) or the
 * file's bytes damaged (truncation, invalid UTF-8, inserted or deleted bytes, byte-order marks,
 * CRLF, a 100,000-character line). Each read either succeeds or fails with a
 * {@link DatasetException} (or an {@link InvalidExampleException}) naming {@code train.jsonl} and,
 * when one field got a value of another kind, that field.
 */
class JsonlFuzzTest {
    private static final long SEED = 2026_0707L;

    /** Records of every shape the format documents. */
    private static final List<String> LINES = List.of(
            "{\"id\":\"q1\",\"image\":\"images/a.png\",\"question\":\"What color is the ball?\",\"choices\":[\"red\",\"blue\"],"
                    + "\"answer\":1,\"context\":\"A toy.\",\"skills\":[\"color\"],\"metadata\":{\"grade\":\"g1\",\"n\":3}}",
            "{\"question\":\"Which shape is it?\",\"images\":[\"images/a.png\",\"images/b.png\"],"
                    + "\"choices\":[\"circle\",\"square\",\"triangle\"],\"answer\":\"square\",\"hint\":\"Look closely.\","
                    + "\"lecture\":\"Shapes have sides.\",\"difficulty\":2}",
            "{\"id\":7,\"question\":\"How many dogs are there?\",\"answer\":\"3\"}",
            "{\"id\":\"q4\",\"question\":\"Pick the picture of a cat.\",\"choices\":[\"a\",\"b\"],"
                    + "\"choice_images\":[\"images/a.png\",\"images/b.png\"],\"answer\":0,\"split\":\"train\"}",
            "{\"id\":\"q5\",\"question\":\"Name the animal.\",\"answers\":[\"cat\",\"kitty\"],\"image\":\"images/b.png\","
                    + "\"split\":\"val\"}");

    private static byte[] mutate(Random r, Mutation m) {
        if (r.nextInt(4) > 0) {
            List<String> lines = new ArrayList<>(LINES);
            int at = r.nextInt(lines.size());
            m.describe("line " + (at + 1));
            lines.set(at, JsonMutations.mutate(lines.get(at), r, m));
            return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
        }
        byte[] file = (String.join("\n", LINES) + "\n").getBytes(StandardCharsets.UTF_8);
        switch (r.nextInt(5)) {
            case 0:
                m.describe("CRLF line ends, a byte-order mark and blank lines");
                return ("\ufeff" + String.join("\r\n\r\n", LINES) + "\r\n").getBytes(StandardCharsets.UTF_8);
            case 1: {
                m.describe("a line of 100,000 characters");
                return (String.join("\n", LINES) + "\n{\"question\":\"" + "x".repeat(100_000) + "\",\"answer\":\"y\"}\n")
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 2: {
                // an invalid UTF-8 sequence (a lone surrogate's CESU-8 bytes, then a stray continuation byte)
                m.describe("invalid UTF-8 in line 2");
                String text = LINES.get(0) + "\n" + LINES.get(1).replace("square\"", "squ@@are\"") + "\n";
                byte[] b = text.getBytes(StandardCharsets.UTF_8);
                int at = text.indexOf("@@");
                b[at] = (byte) 0xED;
                b[at + 1] = (byte) (r.nextBoolean() ? 0xA0 : 0x80);
                return b;
            }
            default:
                return ByteMutations.mutate(file, r, m);
        }
    }

    @Test
    void mutatedJsonl(@TempDir Path tmp) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("data"));
        Files.createDirectories(root.resolve("images"));
        Path sqaImages = SharedFiles.get("data/scienceqa-sample/images/test");
        Files.copy(sqaImages.resolve("42/image.png"), root.resolve("images/a.png"));
        Files.copy(sqaImages.resolve("5/image.png"), root.resolve("images/b.png"));
        Files.writeString(root.resolve("test.jsonl"), "{\"id\":\"t1\",\"question\":\"Is it red?\",\"choices\":[\"yes\",\"no\"],\"answer\":0}\n");
        Path file = root.resolve("train.jsonl");
        Files.writeString(file, String.join("\n", LINES) + "\n");
        assertEquals(6, Jsonl.reader().root(root).readAll().size(), "the seed dataset reads whole");
        FuzzCampaign.Result r = FuzzCampaign.of("jsonl", SEED, 2500)
                .typed(DatasetException.class, InvalidExampleException.class)
                .requireFieldNames()
                .run((random, m) -> {
                    byte[] mutated = mutate(random, m);
                    FuzzCampaign.writeFresh(file, mutated);
                    m.input(new String(mutated, StandardCharsets.UTF_8));
                    m.mustName("train.jsonl");
                    String split = List.of("", "", "train", "val").get(random.nextInt(4));
                    boolean imagesOnly = random.nextInt(5) == 0;
                    boolean lenient = random.nextInt(5) == 0;
                    boolean single = random.nextBoolean();
                    m.describe("read " + (single ? "train.jsonl" : "the folder") + (split.isEmpty() ? "" : ", split " + split)
                            + (imagesOnly ? ", images only" : "") + (lenient ? ", lenient" : ""));
                    return () -> {
                        DatasetReader reader = Jsonl.reader().root(single ? file : root).imagesOnly(imagesOnly).lenient(lenient);
                        if (!split.isEmpty()) {
                            reader = reader.split(split);
                        }
                        reader.readAll();
                    };
                });
        assertTrue(r.accepted() > 200 && r.rejected() > 800, r.toString());
    }
}
