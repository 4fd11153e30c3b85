package dev.mmpeft.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.InvalidExampleException;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.testing.FuzzCampaign;
import dev.mmpeft.core.testing.JsonMutations;
import dev.mmpeft.core.testing.Mutation;
import dev.mmpeft.core.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of mutated ScienceQA files ({@code problems.json}, {@code pid_splits.json},
 * {@code captions.json}) built from real records of the release, read with varied options (all
 * splits or one, images only, lenient). Each read either succeeds or fails with a
 * {@link DatasetException} (or an {@link InvalidExampleException}) naming the dataset file and,
 * when the mutation gave one field a value of another kind, that field.
 */
class ScienceQaFuzzTest {
    private static final long SEED = 2022_11L;
    private static final Path SAMPLE = SharedFiles.get("data/scienceqa-sample");

    /**
     * A small dataset of real records: test pids with and without images (their image files
     * copied), train and val pids without images, a mini split, and their captions.
     */
    static Path seedDataset(Path dir) throws Exception {
        JsonNode problems = Json.read(SAMPLE.resolve("problems.json"));
        JsonNode splits = Json.read(SAMPLE.resolve("pid_splits.json"));
        JsonNode captions = Json.read(SAMPLE.resolve("captions.json")).get("captions");
        ObjectNode outProblems = Json.mapper().createObjectNode();
        ObjectNode outSplits = Json.mapper().createObjectNode();
        ObjectNode outCaptions = Json.mapper().createObjectNode();
        for (String split : List.of("train", "val", "test")) {
            ArrayNode pids = outSplits.putArray(split);
            for (JsonNode p : splits.get(split)) {
                String pid = p.asText();
                JsonNode record = problems.get(pid);
                boolean hasImage = record != null && record.get("image").isTextual();
                Path image = SAMPLE.resolve("images/" + split + "/" + pid + "/image.png");
                if (record == null || (hasImage && !Files.exists(image)) || pids.size() >= (split.equals("test") ? 5 : 2)) {
                    continue;
                }
                pids.add(pid);
                outProblems.set(pid, record);
                if (captions.has(pid)) {
                    outCaptions.set(pid, captions.get(pid));
                }
                if (hasImage) {
                    Path to = dir.resolve("images/" + split + "/" + pid + "/image.png");
                    Files.createDirectories(to.getParent());
                    Files.copy(image, to);
                }
            }
        }
        outSplits.putArray("minitest").add(outSplits.get("test").get(1)).add(outSplits.get("test").get(0));
        Files.writeString(dir.resolve("problems.json"), Json.write(outProblems));
        Files.writeString(dir.resolve("pid_splits.json"), Json.write(outSplits));
        ObjectNode c = Json.mapper().createObjectNode();
        c.put("model", "nlpconnect/vit-gpt2-image-captioning");
        c.set("captions", outCaptions);
        Files.writeString(dir.resolve("captions.json"), Json.write(c));
        return dir;
    }

    /** Reads the dataset with options drawn from {@code random} (drawn when the case is made). */
    private static FuzzCampaign.Read reading(Path root, Random random, Mutation m) {
        String split = List.of("", "", "test", "minitest", "train").get(random.nextInt(5));
        boolean imagesOnly = random.nextInt(4) == 0;
        boolean lenient = random.nextInt(5) == 0;
        m.describe("read split '" + split + "'" + (imagesOnly ? ", images only" : "") + (lenient ? ", lenient" : ""));
        return () -> {
            DatasetReader r = ScienceQa.reader().root(root).imagesOnly(imagesOnly).lenient(lenient);
            if (!split.isEmpty()) {
                r = r.split(split);
            }
            r.readAll();
        };
    }

    private FuzzCampaign.Result fuzz(Path tmp, String file, long seed, int cases) throws Exception {
        Path root = seedDataset(Files.createDirectories(tmp.resolve("sqa")));
        assertEquals(9, ScienceQa.reader().root(root).readAll().size(), "the seed dataset reads whole");
        String text = Files.readString(root.resolve(file));
        return FuzzCampaign.of("scienceqa " + file, seed, cases)
                .typed(DatasetException.class, InvalidExampleException.class)
                .requireFieldNames()
                .run((random, m) -> {
                    String mutated = JsonMutations.mutate(text, random, m);
                    FuzzCampaign.writeFresh(root.resolve(file), mutated);
                    if (file.equals("captions.json")) {
                        m.mustName(file);
                    } else {
                        // a pid edited in one of these is reported against the record it breaks in the other
                        m.mustName("problems.json", "pid_splits.json");
                    }
                    return reading(root, random, m);
                });
    }

    /** What the fuzzing found, as a fixed case: a split that cannot be a folder name became a path. */
    @Test
    void aSplitThatIsNoFolderNameIsADatasetException(@TempDir Path tmp) throws Exception {
        Path root = seedDataset(Files.createDirectories(tmp.resolve("sqa")));
        ObjectNode problems = (ObjectNode) Json.read(root.resolve("problems.json"));
        String pid = Json.read(root.resolve("pid_splits.json")).get("test").get(0).asText();
        ((ObjectNode) problems.get(pid)).put("split", "@@");
        Files.writeString(root.resolve("problems.json"), Json.write(problems).replace("\"@@\"", "\"te\\ud800st\""));
        DatasetException e = assertThrows(DatasetException.class, () -> ScienceQa.reader().root(root).split("test").readAll());
        assertTrue(e.getMessage().contains("problems.json: pid " + pid + ": field 'split': 'te\ud800st' cannot be a folder name"),
                e.getMessage());
    }

    @Test
    void mutatedProblemsJson(@TempDir Path tmp) throws Exception {
        FuzzCampaign.Result r = fuzz(tmp, "problems.json", SEED, 2000);
        assertTrue(r.accepted() > 200 && r.rejected() > 500, r.toString());
    }

    @Test
    void mutatedPidSplitsJson(@TempDir Path tmp) throws Exception {
        FuzzCampaign.Result r = fuzz(tmp, "pid_splits.json", SEED + 1, 500);
        assertTrue(r.accepted() > 50 && r.rejected() > 100, r.toString());
    }

    @Test
    void mutatedCaptionsJson(@TempDir Path tmp) throws Exception {
        FuzzCampaign.Result r = fuzz(tmp, "captions.json", SEED + 2, 500);
        assertTrue(r.accepted() > 50 && r.rejected() > 100, r.toString());
    }
}
