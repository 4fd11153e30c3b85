package dev.mmpeft.datasets.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.datasets.DatasetException;
import dev.mmpeft.datasets.ReadOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What the readers of the captioning and knowledge-VQA releases (Flickr30K, TextCaps, OK-VQA,
 * A-OKVQA, TextVQA) share: the dataset folder check, the choice of split files, the image folder,
 * and typed access to ids and answer lists with messages naming file, record and field.
 */
final class OpenLayouts {
    private OpenLayouts() {}

    /** The dataset folder, or an error saying what the format expected to find there. */
    static Path root(ReadOptions options, String format, String expected) {
        Path root = options.requireRoot(format).toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new DatasetException(root, null, null, (Files.exists(root) ? "not a folder" : "folder not found")
                    + " (expected the " + format + " folder holding " + expected + ")");
        }
        if (!options.subtasks().isEmpty()) {
            throw new DatasetException(root, null, null, format + " has no sub-tasks, got " + options.subtasks());
        }
        return root;
    }

    /**
     * The splits to read: the one asked for (its file must exist), or every known split whose file
     * exists (at least one must).
     */
    static List<String> splits(ReadOptions options, Path root, String format, List<String> known,
            Function<String, Path> fileOf) {
        if (options.split().isPresent()) {
            String s = options.split().get();
            if (!known.contains(s)) {
                throw new DatasetException(root, null, null, "unknown " + format + " split '" + s + "' (expected one of "
                        + known + ")");
            }
            Path f = fileOf.apply(s);
            if (!Files.isRegularFile(f)) {
                throw new DatasetException(f, null, null, "file not found (split '" + s + "' of " + format + ")");
            }
            return List.of(s);
        }
        List<String> present = new ArrayList<>();
        for (String s : known) {
            if (Files.isRegularFile(fileOf.apply(s))) {
                present.add(s);
            }
        }
        if (present.isEmpty()) {
            throw new DatasetException(root, null, null, "none of the " + format + " split files is here (expected "
                    + known.stream().map(s -> root.relativize(fileOf.apply(s)).toString()).toList() + ")");
        }
        return present;
    }

    /** Where images live: the dataset root, or the image root when one is given. */
    static Path imageBase(ReadOptions options, Path root) {
        return options.imageRoot().map(p -> p.toAbsolutePath().normalize()).orElse(root);
    }

    /**
     * The folder {@code folder} of the layout ({@code flickr30k-images}, {@code val2014}): inside
     * the dataset root; with an image root, inside it when it has that folder, else the image root
     * itself (it may be that folder).
     */
    static Path imageFolder(ReadOptions options, Path root, String folder) {
        if (options.imageRoot().isEmpty()) {
            return root.resolve(folder);
        }
        Path base = imageBase(options, root);
        return Files.isDirectory(base.resolve(folder)) ? base.resolve(folder) : base;
    }

    /** {@code list[index]}, with the id when it is known: how records are named in messages. */
    static String label(String list, int index, @Nullable String idField, @Nullable String id) {
        return list + "[" + index + "]" + (id == null ? "" : " (" + idField + " " + id + ")");
    }

    /** A record's id field as text, when it is a non-blank string or an integer; null when absent or malformed. */
    static @Nullable String idOrNull(JsonNode node, String field) {
        JsonNode v = node.isObject() ? node.get(field) : null;
        if (v != null && (v.isIntegralNumber() || (v.isTextual() && !v.textValue().isBlank()))) {
            return v.asText();
        }
        return null;
    }

    /** A required id: a non-blank string or an integer. */
    static String requireId(RecordFields rec, String field) {
        JsonNode v = rec.node().get(field);
        if (v == null || v.isNull()) {
            throw rec.error(field, "missing (expected an id: a string or an integer)");
        }
        if (v.isIntegralNumber()) {
            return v.asText();
        }
        if (v.isTextual() && !v.textValue().isBlank()) {
            return v.textValue();
        }
        throw rec.error(field, "expected an id (a non-empty string or an integer), found " + RecordFields.describe(v));
    }

    /** A required non-negative integer (COCO image ids). */
    static long requireNonNegativeLong(RecordFields rec, String field) {
        JsonNode v = rec.node().get(field);
        if (v == null || v.isNull()) {
            throw rec.error(field, "missing (expected a non-negative integer)");
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
            throw rec.error(field, "expected a non-negative integer, found " + RecordFields.describe(v));
        }
        return v.longValue();
    }

    /** A required list of non-blank strings with exactly {@code count} entries (0: at least one). */
    static List<String> requireAnswers(RecordFields rec, String field, int count) {
        List<String> list = rec.requireStringList(field, 1);
        if (count > 0 && list.size() != count) {
            throw rec.error(field, "has " + list.size() + " answers, expected " + count);
        }
        return list;
    }

    /** A list of strings as one text ({@code ocr_tokens}, {@code image_classes}), empty when absent. */
    static String joined(RecordFields rec, String field, String separator) {
        return String.join(separator, rec.optStringList(field));
    }

    /** The image file of a record, resolved inside {@code folder} and checked as the options ask. */
    static Path image(ImageFiles files, Path folder, String name, RecordFields rec, String field) {
        return files.check(files.resolve(folder, name, rec, field), rec, field);
    }

    /** Ids already handed out in a read: a repeated question or image id is an error naming both places. */
    static final class SeenIds {
        private final Set<String> seen = new HashSet<>();

        boolean firstTime(String id) {
            return seen.add(id);
        }

        void requireNew(RecordFields rec, String field, String id) {
            if (!seen.add(id)) {
                throw rec.error(field, "duplicate " + field + " " + id + " (ids must be unique in a read)");
            }
        }
    }
}
