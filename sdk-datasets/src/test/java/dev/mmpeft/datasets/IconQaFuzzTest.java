package dev.mmpeft.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.InvalidExampleException;
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
 * mutated per case and the dataset read with varied options. Each read either succeeds or fails
 * with a {@link DatasetException} (or an {@link InvalidExampleException}) naming that
 * {@code data.json} and, when one field got a value of another kind, that field.
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
