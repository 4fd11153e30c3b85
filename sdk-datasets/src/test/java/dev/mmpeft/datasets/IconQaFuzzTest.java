package dev.mmpeft.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.InvalidExampleException;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.testing.FuzzCampaign;
import dev.mmpeft.core.testing.JsonMutations;
import dev.mmpeft.core.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of mutated IconQA {@code data.json} files: a small copy of real records of each
 * sub-task (choose_txt, choose_img with its choice images, fill_in_blank), one record's file
 * mutated per case and the dataset read with varied options; then the release's index files
 * ({@code problems.json}, {@code pid_splits.json}, {@code pid2skills.json}). Each read either
 * succeeds or fails with a {@link DatasetException} (or an {@link InvalidExampleException})
 * naming the file and, when one field got a value of another kind, that field.
 */
class IconQaFuzzTest {
    private static final long SEED = 2021_12L;
    private static final Path SAMPLE = SharedFiles.get("data/iconqa-sample/iconqa/test");

    /** Two real records of each sub-task, with their images, under {@code iconqa/test}. */
    private static List<Path> seedDataset(Path root) throws Exception {
        List<Path> dataFiles = new ArrayList<>();
        for (String task : List.of("choose_txt", "choose_img", "fill_in_blank")) {
            List<Path> pids;
            try (Stream<Path> list = Files.list(SAMPLE.resolve(task))) {
                pids = list.sorted().limit(2).toList();
            }
            for (Path from : pids) {
                Path to = Files.createDirectories(root.resolve("iconqa/test/" + task + "/" + from.getFileName()));
                try (Stream<Path> files = Files.list(from)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Files.copy(f, to.resolve(f.getFileName()));
                    }
                }
                dataFiles.add(to.resolve("data.json"));
            }
        }
        return dataFiles;
    }

    /**
     * The release's index files beside {@code iconqa/}: {@code problems.json} (the same records, with
     * their split), {@code pid_splits.json} ({@code choose_txt_test}, ...) and {@code pid2skills.json}.
     */
    private static void writeIndexFiles(Path root, List<Path> dataFiles) throws Exception {
        ObjectNode problems = Json.mapper().createObjectNode();
        ObjectNode splits = Json.mapper().createObjectNode();
        ObjectNode skills = Json.mapper().createObjectNode();
        for (Path f : dataFiles) {
            String pid = f.getParent().getFileName().toString();
            String task = f.getParent().getParent().getFileName().toString();
            ObjectNode record = (ObjectNode) Json.read(f);
            record.put("split", "test");
            problems.set(pid, record);
            (splits.has(task + "_test") ? (ArrayNode) splits.get(task + "_test") : splits.putArray(task + "_test")).add(pid);
            skills.putArray(pid).add("counting").add(task);
        }
        Files.writeString(root.resolve("problems.json"), Json.write(problems));
        Files.writeString(root.resolve("pid_splits.json"), Json.write(splits));
        Files.writeString(root.resolve("pid2skills.json"), Json.write(skills));
    }

    @Test
    void mutatedIndexFiles(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("iconqa-root");
        writeIndexFiles(root, seedDataset(root));
        assertEquals(6, IconQa.reader().root(root).readAll().size(), "the seed dataset reads whole");
        List<String> files = List.of("problems.json", "pid_splits.json", "pid2skills.json");
        for (String file : files) {
            String seed = Files.readString(root.resolve(file));
            FuzzCampaign.Result r = FuzzCampaign.of("iconqa " + file, SEED + 1 + files.indexOf(file), 400)
                    .typed(DatasetException.class, InvalidExampleException.class)
                    .requireFieldNames()
                    .run((random, m) -> {
                        String mutated = JsonMutations.mutate(seed, random, m);
                        FuzzCampaign.writeFresh(root.resolve(file), mutated);
                        // a pid edited in one index is reported against the record it breaks in another
                        m.mustName(file, "problems.json", "pid_splits.json", "data.json");
                        boolean lenient = random.nextInt(5) == 0;
                        m.describe(lenient ? "read all, lenient" : "read all");
                        return () -> IconQa.reader().root(root).lenient(lenient).readAll();
                    });
            assertTrue(r.accepted() > 20 && r.rejected() > 100, r.toString());
            Files.writeString(root.resolve(file), seed);
        }
    }

    /** What the fuzzing found, as a fixed case: a split that cannot be a folder name became a path. */
    @Test
    void aSplitThatIsNoFolderNameIsADatasetException(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("iconqa-root");
        writeIndexFiles(root, seedDataset(root));
        String problems = Files.readString(root.resolve("problems.json"));
        Files.writeString(root.resolve("problems.json"), problems.replaceFirst("\"split\" : \"test\"", "\"split\" : \"te\\\\u0000st\""));
        DatasetException e = assertThrows(DatasetException.class, () -> IconQa.reader().root(root).readAll());
        assertTrue(e.getMessage().contains("problems.json: pid ") && e.getMessage().contains("field 'split': 'te\u0000st' cannot be a folder name"),
                e.getMessage());
    }

    @Test
    void mutatedDataJson(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("iconqa-root");
        List<Path> dataFiles = seedDataset(root);
        assertEquals(6, IconQa.reader().root(root).readAll().size(), "the seed dataset reads whole");
        List<String> seeds = new ArrayList<>();
        for (Path f : dataFiles) {
            seeds.add(Files.readString(f));
        }
        FuzzCampaign.Result r = FuzzCampaign.of("iconqa data.json", SEED, 2000)
                .typed(DatasetException.class, InvalidExampleException.class)
                .requireFieldNames()
                .run((random, m) -> {
                    int which = random.nextInt(dataFiles.size());
                    Path file = dataFiles.get(which);
                    String mutated = JsonMutations.mutate(seeds.get(which), random, m);
                    m.input(mutated);
                    // only this record's file is broken: the others get their seed back
                    for (int i = 0; i < dataFiles.size(); i++) {
                        if (i == which || !Files.readString(dataFiles.get(i)).equals(seeds.get(i))) {
                            FuzzCampaign.writeFresh(dataFiles.get(i), i == which ? mutated : seeds.get(i));
                        }
                    }
                    m.mustName(root.relativize(file).toString());
                    String task = file.getParent().getParent().getFileName().toString();
                    int how = random.nextInt(4);
                    boolean lenient = random.nextInt(5) == 0;
                    m.describe((how == 1 ? "read sub-task " + task : how == 2 ? "read split test" : "read all")
                            + (lenient ? ", lenient" : ""));
                    return () -> {
                        DatasetReader reader = IconQa.reader().root(root).lenient(lenient);
                        if (how == 1) {
                            reader = reader.subtasks(task);
                        } else if (how == 2) {
                            reader = reader.split("test");
                        }
                        reader.readAll();
                    };
                });
        assertTrue(r.accepted() > 200 && r.rejected() > 500, r.toString());
    }
}
