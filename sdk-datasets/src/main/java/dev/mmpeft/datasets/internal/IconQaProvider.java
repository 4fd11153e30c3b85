package dev.mmpeft.datasets.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import com.google.common.collect.Iterators;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.DatasetException;
import dev.mmpeft.datasets.DatasetReaderProvider;
import dev.mmpeft.datasets.DatasetStream;
import dev.mmpeft.datasets.ReadOptions;
import dev.mmpeft.datasets.ReadReport;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Reads the official IconQA release (Lu et al., NeurIPS 2021):
 * {@code iconqa/{train,val,test}/{choose_txt,choose_img,fill_in_blank}/{pid}/data.json} with
 * {@code image.png} (and the choice images of choose_img), plus, when present beside the
 * {@code iconqa} folder, {@code problems.json}, {@code pid_splits.json} (keys like
 * {@code choose_txt_train}, {@code choose_txt_minival}) and {@code pid2skills.json}.
 *
 * <p>Without {@code pid_splits.json} the folders are walked (pids in numeric order); with it, the
 * split lists give the records and their order, as the official scripts use them.
 */
public final class IconQaProvider implements DatasetReaderProvider {
    static final List<String> SUBTASKS = List.of("choose_txt", "choose_img", "fill_in_blank");
    private static final List<String> FOLDER_SPLITS = List.of("train", "val", "test");
    private static final Set<String> NOT_METADATA = ImmutableSet.of("question", "choices", "answer");

    @Override
    public String name() {
        return "iconqa";
    }

    @Override
    public String description() {
        return "IconQA release: iconqa/{split}/{choose_txt,choose_img,fill_in_blank}/{pid}/data.json + image.png";
    }

    @Override
    public List<String> subtasks() {
        return SUBTASKS;
    }

    @Override
    public String subtaskField() {
        return "ques_type";
    }

    @Override
    public DatasetStream open(ReadOptions options) {
        Path given = options.requireRoot(name()).toAbsolutePath().normalize();
        if (!Files.isDirectory(given)) {
            throw new DatasetException(given, null, null, Files.exists(given)
                    ? "not a folder (expected the IconQA folder holding iconqa/{train,val,test})"
                    : "folder not found (expected the IconQA folder holding iconqa/{train,val,test})");
        }
        Path base;
        Path tree;
        if (Files.isDirectory(given.resolve("iconqa"))) {
            base = given;
            tree = given.resolve("iconqa");
        } else if (FOLDER_SPLITS.stream().anyMatch(s -> Files.isDirectory(given.resolve(s)))
                && given.getParent() != null) {
            base = given.getParent();
            tree = given;
        } else {
            throw new DatasetException(given, null, null,
                    "no iconqa/ folder here (expected iconqa/{train,val,test}/{choose_txt,choose_img,fill_in_blank}/{pid}/data.json)");
        }
        for (String s : options.subtasks()) {
            if (!SUBTASKS.contains(s)) {
                throw new DatasetException(given, null, null, "unknown IconQA sub-task '" + s + "' (expected one of " + SUBTASKS + ")");
            }
        }
        List<String> tasks = options.subtasks().isEmpty() ? SUBTASKS : options.subtasks();
        Path problemsFile = base.resolve("problems.json");
        Path splitsFile = base.resolve("pid_splits.json");
        Path skillsFile = base.resolve("pid2skills.json");
        JsonObjectIndex problems = Files.isRegularFile(problemsFile) ? JsonObjectIndex.build(problemsFile, "pid") : null;
        Map<String, List<String>> skills = Files.isRegularFile(skillsFile) ? readSkills(skillsFile) : Map.of();

        ReadReport report = new ReadReport("iconqa " + base + options.split().map(s -> " [" + s + "]").orElse("")
                + (options.subtasks().isEmpty() ? "" : " " + options.subtasks()), options.maxLoggedSkips());
        ImageFiles files = new ImageFiles(base, options, report);
        Reader reader = new Reader(tree, problems, skills, files);

        Iterator<DatasetStream.RecordLoader> loaders = Files.isRegularFile(splitsFile)
                ? indexedLoaders(options, tasks, splitsFile, reader)
                : folderLoaders(options, tasks, tree, splitsFile, reader);
        Closeable resources = problems == null ? () -> {} : problems;
        return DatasetStream.of(options, report, loaders, resources);
    }

    /** The records pid_splits.json lists for the wanted splits and sub-tasks, in its order. */
    private static Iterator<DatasetStream.RecordLoader> indexedLoaders(ReadOptions options, List<String> tasks, Path splitsFile,
            Reader reader) {
        Map<String, List<String>> splits = Splits.read(splitsFile);
        List<String> wanted = options.split().map(List::of).orElse(FOLDER_SPLITS);
        List<Iterator<DatasetStream.RecordLoader>> parts = new ArrayList<>();
        for (String s : wanted) {
            for (String task : tasks) {
                String key = task + "_" + s;
                List<String> pids = splits.get(key);
                if (pids == null) {
                    if (options.split().isPresent() && !options.subtasks().isEmpty()) {
                        throw new DatasetException(splitsFile, null, null, "has no split '" + key + "' (available: "
                                + String.join(", ", splits.keySet()) + ")");
                    }
                    continue;
                }
                parts.add(pids.stream()
                        .map(pid -> (DatasetStream.RecordLoader) () -> reader.load(pid, s, task, splitsFile, key))
                        .iterator());
            }
        }
        if (parts.isEmpty()) {
            throw new DatasetException(splitsFile, null, null, "has no split for " + tasks + " x " + wanted
                    + " (available: " + String.join(", ", splits.keySet()) + ")");
        }
        return Iterators.concat(parts.iterator());
    }

    /** Without pid_splits.json: the records of the train, val and test folders, one folder listed at a time. */
    private static Iterator<DatasetStream.RecordLoader> folderLoaders(ReadOptions options, List<String> tasks, Path tree,
            Path splitsFile, Reader reader) {
        List<String> splits;
        if (options.split().isPresent()) {
            String s = options.split().get();
            if (!FOLDER_SPLITS.contains(s)) {
                throw new DatasetException(splitsFile, null, null, "file not found: split '" + s
                        + "' needs it (without it only the train, val and test folders can be read)");
            }
            if (!Files.isDirectory(tree.resolve(s))) {
                throw new DatasetException(tree.resolve(s), null, null, "folder not found (split '" + s + "'; present: "
                        + FOLDER_SPLITS.stream().filter(x -> Files.isDirectory(tree.resolve(x))).toList() + ")");
            }
            splits = List.of(s);
        } else {
            splits = FOLDER_SPLITS.stream().filter(x -> Files.isDirectory(tree.resolve(x))).toList();
            if (splits.isEmpty()) {
                throw new DatasetException(tree, null, null, "has none of the split folders train, val, test");
            }
        }
        List<Group> groups = new ArrayList<>();
        for (String s : splits) {
            for (String task : tasks) {
                Path dir = tree.resolve(s).resolve(task);
                if (Files.isDirectory(dir)) {
                    groups.add(new Group(s, task, dir));
                } else if (options.split().isPresent() && !options.subtasks().isEmpty()) {
                    throw new DatasetException(dir, null, null, "folder not found (sub-task '" + task + "' of split '"
                            + s + "')");
                }
            }
        }
        // list one folder at a time, when the iteration reaches it: memory stays bounded
        return Iterators.concat(Iterators.transform(groups.iterator(), g -> pidLoaders(g, reader)));
    }

    private static Iterator<DatasetStream.RecordLoader> pidLoaders(Group g, Reader reader) {
        List<String> pids;
        try (Stream<Path> list = Files.list(g.dir())) {
            pids = list.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted(Pids.NATURAL).toList();
        } catch (IOException e) {
            throw new DatasetException(g.dir(), null, null, "cannot list: " + e.getMessage(), e);
        }
        return pids.stream()
                .map(pid -> (DatasetStream.RecordLoader) () -> reader.load(pid, g.split(), g.task(), null, null))
                .iterator();
    }

    private static Map<String, List<String>> readSkills(Path file) {
        JsonNode root = Splits.readJson(file);
        if (!root.isObject()) {
            throw new DatasetException(file, null, null, "expected a JSON object of pid to skill list, found "
                    + RecordFields.describe(root));
        }
        Map<String, List<String>> out = new java.util.HashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            JsonNode v = e.getValue();
            ImmutableList.Builder<String> b = ImmutableList.builder();
            if (v.isTextual()) {
                b.add(v.textValue());
            } else if (v.isArray()) {
                for (JsonNode s : v) {
                    if (!s.isTextual()) {
                        throw new DatasetException(file, "pid " + e.getKey(), null,
                                "expected skill names (strings), found " + RecordFields.describe(s));
                    }
                    b.add(s.textValue());
                }
            } else {
                throw new DatasetException(file, "pid " + e.getKey(), null,
                        "expected a list of skill names, found " + RecordFields.describe(v));
            }
            out.put(e.getKey(), b.build());
        }
        return out;
    }

    private record Group(String split, String task, Path dir) {}

    /** Turns one pid of one split and sub-task into an example. */
    private static final class Reader {
        private final Path tree;
        private final @Nullable JsonObjectIndex problems;
        private final Map<String, List<String>> skills;
        private final ImageFiles files;

        Reader(Path tree, @Nullable JsonObjectIndex problems, Map<String, List<String>> skills, ImageFiles files) {
            this.tree = tree;
            this.problems = problems;
            this.skills = skills;
            this.files = files;
        }

        MultimodalExample load(String pid, String split, String task, @Nullable Path splitsFile, @Nullable String key) {
            if (!Pids.isSafe(pid)) {
                throw new DatasetException(splitsFile == null ? tree : splitsFile, key == null ? null : "split '" + key + "'",
                        null, "pid '" + pid + "' is not a plain folder name (letters, digits, '_', '-', '.')");
            }
            RecordFields rec;
            String folderSplit = split;
            if (problems != null && problems.contains(pid)) {
                rec = new RecordFields(problems.file(), "pid " + pid, problems.read(pid));
                folderSplit = rec.optString("split").orElse(split);
                ImageFiles.folder(tree, folderSplit, rec, "split");
            } else {
                if (!FOLDER_SPLITS.contains(folderSplit)) {
                    // a mini split without problems.json: find the folder that holds the pid
                    folderSplit = FOLDER_SPLITS.stream()
                            .filter(s -> Files.isDirectory(tree.resolve(s).resolve(task).resolve(pid)))
                            .findFirst()
                            .orElseThrow(() -> new DatasetException(splitsFile, key == null ? null : "split '" + key + "'",
                                    null, "pid " + pid + " has no folder iconqa/{train,val,test}/" + task + "/" + pid));
                }
                if (splitsFile != null && !Files.isDirectory(tree.resolve(folderSplit).resolve(task).resolve(pid))) {
                    // the pid came from pid_splits.json: that is the file to fix (or the download to complete)
                    throw new DatasetException(splitsFile, "split '" + key + "'", null, "pid " + pid
                            + " has no folder iconqa/" + folderSplit + "/" + task + "/" + pid);
                }
                Path dataFile = tree.resolve(folderSplit).resolve(task).resolve(pid).resolve("data.json");
                rec = new RecordFields(dataFile, "pid " + pid, readData(dataFile, pid));
            }
            Path pidDir = tree.resolve(folderSplit).resolve(task).resolve(pid).toAbsolutePath().normalize();
            files.inside(pidDir, rec, "split");

            String question = rec.requireString("question");
            String quesType = rec.optString("ques_type").orElse(task);
            if (!quesType.equals(task)) {
                throw rec.error("ques_type", "is '" + quesType + "' but the record lies under the sub-task folder '" + task + "'");
            }
            MultimodalExample.Builder b = MultimodalExample.builder()
                    .id(pid)
                    .split(folderSplit)
                    .question(question)
                    .context(rec.optString("hint").orElse(""));
            if (task.equals("fill_in_blank")) {
                b.addAnswers(openAnswer(rec));
            } else {
                List<String> choices = rec.requireStringList("choices", 2);
                b.choices(choices).answerIndex(rec.requireAnswerIndex("answer", choices.size()));
                if (task.equals("choose_img")) {
                    for (int i = 0; i < choices.size(); i++) {
                        String field = "choices[" + i + "]";
                        b.addChoiceImages(files.check(files.resolve(pidDir, choices.get(i), rec, field), rec, field));
                    }
                }
            }
            b.addImages(files.check(pidDir.resolve("image.png"), rec, "image"));
            Map<String, String> meta = new LinkedHashMap<>();
            rec.scalarsInto(meta, NOT_METADATA);
            meta.putIfAbsent("ques_type", task);
            meta.putIfAbsent("split", folderSplit);
            b.metadata(meta);
            b.skills(skills.getOrDefault(pid, List.of()));
            return b.build();
        }

        private static String openAnswer(RecordFields rec) {
            JsonNode a = rec.node().get("answer");
            if (a == null || a.isNull()) {
                throw rec.error("answer", "missing (expected the answer text)");
            }
            if (a.isTextual()) {
                if (a.textValue().isBlank()) {
                    throw rec.error("answer", "is empty (expected the answer text)");
                }
                return a.textValue();
            }
            if (a.isNumber()) {
                return a.asText();
            }
            throw rec.error("answer", "expected the answer text, found " + RecordFields.describe(a));
        }

        private static JsonNode readData(Path file, String pid) {
            try {
                return Json.mapper().readTree(Files.readAllBytes(file));
            } catch (NoSuchFileException e) {
                throw new DatasetException(file, "pid " + pid, null, "file not found (every pid folder needs data.json)");
            } catch (JsonProcessingException e) {
                throw new DatasetException(file, "pid " + pid, null,
                        "invalid JSON: " + JsonObjectIndex.clean(e.getOriginalMessage()) + JsonObjectIndex.at(e.getLocation()), e);
            } catch (IOException e) {
                throw new DatasetException(file, "pid " + pid, null, "cannot read: " + e.getMessage(), e);
            }
        }
    }
}
