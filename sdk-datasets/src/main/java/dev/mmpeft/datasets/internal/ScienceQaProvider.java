package dev.mmpeft.datasets.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.datasets.DatasetException;
import dev.mmpeft.datasets.DatasetReaderProvider;
import dev.mmpeft.datasets.DatasetStream;
import dev.mmpeft.datasets.ReadOptions;
import dev.mmpeft.datasets.ReadReport;
import dev.mmpeft.datasets.TaskType;
import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads the official ScienceQA release (Lu et al., NeurIPS 2022): {@code problems.json} (records
 * keyed by pid), {@code pid_splits.json} (train, val, test, minitrain, minival, minitest,
 * trainval, ...), optional {@code captions.json}, and {@code images/{split}/{pid}/image.png}.
 *
 * <p>Records come in the order of the split's pid list, as the official scripts iterate them;
 * {@code problems.json} is indexed once and parsed record by record.
 */
public final class ScienceQaProvider implements DatasetReaderProvider {
    static final List<String> DEFAULT_SPLITS = List.of("train", "val", "test");
    private static final Set<String> NOT_METADATA = ImmutableSet.of("question", "choices", "answer");

    @Override
    public String name() {
        return "scienceqa";
    }

    @Override
    public String description() {
        return "ScienceQA release: problems.json, pid_splits.json, captions.json, images/{split}/{pid}/image.png";
    }

    @Override
    public String subtaskField() {
        return "task";
    }

    @Override
    public TaskType taskType() {
        return TaskType.MULTIPLE_CHOICE;
    }

    @Override
    public DatasetStream open(ReadOptions options) {
        Path root = options.requireRoot(name()).toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new DatasetException(root, null, null, Files.exists(root)
                    ? "not a folder (expected the ScienceQA folder holding problems.json)"
                    : "folder not found (expected the ScienceQA folder holding problems.json)");
        }
        if (!options.subtasks().isEmpty()) {
            throw new DatasetException(root, null, null, "ScienceQA has no sub-tasks, got " + options.subtasks());
        }
        Path problemsFile = root.resolve("problems.json");
        if (!Files.isRegularFile(problemsFile)) {
            throw new DatasetException(problemsFile, null, null,
                    "file not found (expected the official ScienceQA layout: problems.json, pid_splits.json, "
                            + "images/{split}/{pid}/image.png)");
        }
        Path splitsFile = root.resolve("pid_splits.json");
        List<Selected> selected = new ArrayList<>();
        boolean filterBySplitField = false;
        if (Files.exists(splitsFile)) {
            Map<String, List<String>> splits = Splits.read(splitsFile);
            List<String> wanted = options.split().map(List::of).orElse(DEFAULT_SPLITS);
            for (String s : wanted) {
                List<String> pids = splits.get(s);
                if (pids == null) {
                    if (options.split().isEmpty()) {
                        continue; // reading all: a release without a val split is still readable
                    }
                    throw new DatasetException(splitsFile, null, null,
                            "has no split '" + s + "' (available: " + String.join(", ", splits.keySet()) + ")");
                }
                for (String pid : pids) {
                    selected.add(new Selected(pid, s));
                }
            }
            if (selected.isEmpty() && options.split().isEmpty() && splits.keySet().stream().noneMatch(DEFAULT_SPLITS::contains)) {
                throw new DatasetException(splitsFile, null, null,
                        "has none of the splits train, val, test (available: " + String.join(", ", splits.keySet()) + ")");
            }
        } else if (options.split().isPresent() && !DEFAULT_SPLITS.contains(options.split().get())) {
            throw new DatasetException(splitsFile, null, null,
                    "file not found: split '" + options.split().get() + "' needs it (without it only train, val and "
                            + "test can be read, from each record's split field)");
        } else {
            filterBySplitField = true;
        }

        JsonObjectIndex index = JsonObjectIndex.build(problemsFile, "pid");
        if (filterBySplitField) {
            for (String pid : index.keys()) {
                selected.add(new Selected(pid, null));
            }
        }
        Map<String, String> captions = readCaptions(root.resolve("captions.json"));
        ReadReport report = new ReadReport("scienceqa " + root + options.split().map(s -> " [" + s + "]").orElse(""),
                options.maxLoggedSkips());
        ImageFiles files = new ImageFiles(root, options, report);
        Optional<String> wantedSplit = options.split();
        Iterator<DatasetStream.RecordLoader> loaders = selected.stream()
                .map(sel -> (DatasetStream.RecordLoader) () -> load(root, index, splitsFile, files, captions, sel,
                        wantedSplit, options.imagesOnly()))
                .iterator();
        Closeable resources = index;
        return DatasetStream.of(options, report, loaders, resources);
    }

    private static @Nullable MultimodalExample load(
            Path root,
            JsonObjectIndex index,
            Path splitsFile,
            ImageFiles files,
            Map<String, String> captions,
            Selected sel,
            Optional<String> wantedSplit,
            boolean imagesOnly) {
        String pid = sel.pid();
        if (!index.contains(pid)) {
            throw new DatasetException(splitsFile, "split '" + sel.section() + "'", null,
                    "pid " + pid + " is not in problems.json");
        }
        JsonNode node = index.read(pid);
        RecordFields rec = new RecordFields(index.file(), "pid " + pid, node);
        Optional<String> recordSplit = rec.optString("split");
        if (sel.section() == null) {
            // no pid_splits.json: the record's own split field selects it
            String s = recordSplit.orElseThrow(() -> rec.error("split",
                    "missing (without pid_splits.json every record needs its split)"));
            if (wantedSplit.isPresent() ? !wantedSplit.get().equals(s) : !DEFAULT_SPLITS.contains(s)) {
                return null;
            }
        }
        if (!Pids.isSafe(pid)) {
            throw rec.error(null, "pid '" + pid + "' is not a plain folder name (letters, digits, '_', '-', '.')");
        }
        String question = rec.requireString("question");
        List<String> choices = rec.requireStringList("choices", 2);
        int answer = rec.requireAnswerIndex("answer", choices.size());
        String hint = rec.optString("hint").orElse("");
        String lecture = rec.optString("lecture").orElse("");
        Optional<String> image = rec.optString("image").filter(s -> !s.isEmpty()); // null or "" = none, as evaluate_acc.py tests it
        if (imagesOnly && image.isEmpty()) {
            return null;
        }
        String folderSplit = recordSplit.orElse(sel.section() == null ? "" : sel.section());
        if (folderSplit.isEmpty()) {
            throw rec.error("split", "missing (needed to find images/{split}/" + pid + ")");
        }
        Path pidDir = files.inside(ImageFiles.folder(root.resolve("images"), folderSplit, rec, "split").resolve(pid), rec, "split");

        MultimodalExample.Builder b = MultimodalExample.builder()
                .id(pid)
                .split(folderSplit)
                .question(question)
                .choices(choices)
                .answerIndex(answer)
                .context(hint)
                .lecture(lecture);
        if (image.isPresent()) {
            Path img = files.resolve(pidDir, image.get(), rec, "image");
            b.addImages(files.check(img, rec, "image"));
        }
        List<Path> choiceImages = choiceImages(pidDir, choices.size());
        b.choiceImages(choiceImages);
        Map<String, String> meta = new LinkedHashMap<>();
        rec.scalarsInto(meta, NOT_METADATA);
        String caption = captions.get(pid);
        if (caption != null) {
            meta.put("caption", caption);
        }
        meta.putIfAbsent("split", folderSplit);
        b.metadata(meta);
        String skill = meta.getOrDefault("skill", "");
        if (!skill.isEmpty()) {
            b.addSkills(skill);
        }
        return b.build();
    }

    /** {@code choice_0.png ...} beside the record when there is one per choice (questions whose options are pictures). */
    private static List<Path> choiceImages(Path pidDir, int n) {
        if (!Files.isDirectory(pidDir)) {
            return List.of();
        }
        ImmutableList.Builder<Path> out = ImmutableList.builder();
        for (int i = 0; i < n; i++) {
            Path p = pidDir.resolve("choice_" + i + ".png");
            if (!Files.isRegularFile(p)) {
                return List.of();
            }
            out.add(p);
        }
        return out.build();
    }

    /** {@code captions.json} ({@code {"captions": {pid: text}}}), when present. */
    private static Map<String, String> readCaptions(Path file) {
        if (!Files.exists(file)) {
            return Map.of();
        }
        JsonNode root = Splits.readJson(file);
        JsonNode caps = root.get("captions");
        if (caps == null || !caps.isObject()) {
            throw new DatasetException(file, null, "captions",
                    caps == null ? "missing (expected {\"captions\": {pid: text}})"
                            : "expected an object of pid to caption, found " + RecordFields.describe(caps));
        }
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : caps.properties()) {
            if (!e.getValue().isTextual()) {
                throw new DatasetException(file, "pid " + e.getKey(), "captions",
                        "expected a string, found " + RecordFields.describe(e.getValue()));
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    /** A pid and the pid_splits section it was listed in (null: selected by its own split field). */
    private record Selected(String pid, @Nullable String section) {}
}
