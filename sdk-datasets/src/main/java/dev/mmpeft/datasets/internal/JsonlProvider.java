package dev.mmpeft.datasets.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.AbstractIterator;
import com.google.common.collect.ImmutableSet;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.DatasetException;
import dev.mmpeft.datasets.DatasetReaderProvider;
import dev.mmpeft.datasets.DatasetStream;
import dev.mmpeft.datasets.ReadOptions;
import dev.mmpeft.datasets.ReadReport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Reads users' own data as JSON Lines: one object per line with {@code question}, optional
 * {@code image} (or {@code images}), {@code choices} and {@code answer} (an index or the text of a
 * choice; for open questions the answer text or {@code answers}), optional {@code id},
 * {@code split}, {@code context}, {@code lecture}, {@code choice_images}, {@code skills} and
 * {@code metadata}; other scalar fields become metadata. The root is one {@code .jsonl} file or a
 * folder of them ({@code train.jsonl}, {@code val.jsonl}, {@code test.jsonl}: the file name is
 * the split unless a record says otherwise). Image paths are relative to the file's folder.
 *
 * <p>Lines are read one at a time; every error names the file, the line number and the field.
 */
public final class JsonlProvider implements DatasetReaderProvider {
    private static final Set<String> KNOWN = ImmutableSet.of("id", "split", "image", "images", "question", "choices",
            "answer", "answers", "context", "hint", "lecture", "choice_images", "skills", "metadata");
    private static final List<String> SPLIT_ORDER = List.of("train", "val", "validation", "dev", "test");

    @Override
    public String name() {
        return "jsonl";
    }

    @Override
    public String description() {
        return "JSON Lines: one {image, question, choices, answer, context} object per line; a .jsonl file or a folder of them";
    }

    @Override
    public DatasetStream open(ReadOptions options) {
        Path root = options.requireRoot(name()).toAbsolutePath().normalize();
        List<Path> files;
        Path base;
        if (Files.isRegularFile(root)) {
            files = List.of(root);
            base = root.getParent();
        } else if (Files.isDirectory(root)) {
            try (Stream<Path> list = Files.list(root)) {
                files = list.filter(p -> p.getFileName().toString().endsWith(".jsonl") && Files.isRegularFile(p))
                        .sorted((a, b) -> {
                            int ia = order(stem(a));
                            int ib = order(stem(b));
                            return ia != ib ? Integer.compare(ia, ib) : a.compareTo(b);
                        })
                        .toList();
            } catch (IOException e) {
                throw new DatasetException(root, null, null, "cannot list: " + e.getMessage(), e);
            }
            if (files.isEmpty()) {
                throw new DatasetException(root, null, null, "no .jsonl files in this folder");
            }
            base = root;
        } else {
            throw new DatasetException(root, null, null, "not found (expected a .jsonl file or a folder of them)");
        }
        if (!options.subtasks().isEmpty()) {
            throw new DatasetException(root, null, null, "JSONL data has no sub-tasks, got " + options.subtasks());
        }
        ReadReport report = new ReadReport("jsonl " + root + options.split().map(s -> " [" + s + "]").orElse(""),
                options.maxLoggedSkips());
        ImageFiles images = new ImageFiles(base, options, report);
        Set<String> ids = new HashSet<>();
        Lines lines = new Lines(files);
        Iterator<DatasetStream.RecordLoader> loaders = new AbstractIterator<>() {
            @Override
            protected DatasetStream.@Nullable RecordLoader computeNext() {
                Line line = lines.next();
                if (line == null) {
                    return endOfData();
                }
                return () -> load(line, images, ids, options);
            }
        };
        return DatasetStream.of(options, report, loaders, lines);
    }

    private static @Nullable MultimodalExample load(Line line, ImageFiles images, Set<String> ids, ReadOptions options) {
        String where = "line " + line.number();
        String text = line.text();
        if (text == null) {
            throw new DatasetException(line.file(), where, null, String.valueOf(line.problem()));
        }
        JsonNode node;
        try {
            node = Json.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            String col = e.getLocation() == null ? "" : " (column " + e.getLocation().getColumnNr() + ")";
            throw new DatasetException(line.file(), where, null, "invalid JSON: " + JsonObjectIndex.clean(e.getOriginalMessage()) + col, e);
        }
        RecordFields rec = new RecordFields(line.file(), where, node);
        String split = rec.optString("split").orElse(stem(line.file()));
        if (options.split().isPresent() && !options.split().get().equals(split)) {
            return null;
        }
        String id;
        JsonNode idNode = node.get("id");
        if (idNode == null || idNode.isNull()) {
            id = stem(line.file()) + "-" + line.number();
        } else if (idNode.isTextual() || idNode.isIntegralNumber()) {
            id = idNode.asText();
            if (id.isBlank()) {
                throw rec.error("id", "is empty");
            }
        } else {
            throw rec.error("id", "expected a string or an integer, found " + RecordFields.describe(idNode));
        }
        RecordFields r = new RecordFields(line.file(), where + " (id " + id + ")", node);
        if (!ids.add(id)) {
            throw r.error("id", "duplicate id '" + id + "' (ids must be unique across the dataset)");
        }
        String question = r.requireString("question");
        Path dir = line.file().getParent();
        MultimodalExample.Builder b = MultimodalExample.builder().id(id).split(split).question(question);

        if (r.has("image") && r.has("images")) {
            throw r.error("images", "give either 'image' or 'images', not both");
        }
        List<String> imageNames = r.has("images") ? r.requireStringList("images", 1)
                : r.optString("image").filter(s -> !s.isEmpty()).map(List::of).orElse(List.of());
        if (options.imagesOnly() && imageNames.isEmpty()) {
            return null;
        }
        String imageField = r.has("images") ? "images" : "image";
        for (int i = 0; i < imageNames.size(); i++) {
            String field = r.has("images") ? "images[" + i + "]" : imageField;
            b.addImages(images.check(images.resolve(dir, imageNames.get(i), r, field), r, field));
        }

        choicesAndAnswers(b, r, node, images, dir);
        if (r.has("context") && r.has("hint")) {
            throw r.error("hint", "give either 'context' or 'hint', not both");
        }
        b.context(r.optString("context").or(() -> r.optString("hint")).orElse(""));
        b.lecture(r.optString("lecture").orElse(""));
        b.skills(r.optStringList("skills"));

        b.metadata(metadata(line, r, node, split));
        return b.build();
    }

    /** The choices with the answer index (and choice images), or the open answers. */
    private static void choicesAndAnswers(MultimodalExample.Builder b, RecordFields r, JsonNode node, ImageFiles images,
            Path dir) {
        List<String> choices = r.optStringList("choices");
        if (!choices.isEmpty() && choices.size() < 2) {
            throw r.error("choices", "has " + choices.size() + " entry, expected at least 2");
        }
        if (r.has("choices") && choices.isEmpty()) {
            throw r.error("choices", "is empty (leave it out for an open question)");
        }
        b.choices(choices);
        JsonNode answer = node.get("answer");
        if (!choices.isEmpty()) {
            if (answer == null || answer.isNull()) {
                throw r.error("answer", "missing (expected the index of the correct choice, 0.." + (choices.size() - 1)
                        + ", or its text)");
            }
            if (answer.isTextual()) {
                int idx = choices.indexOf(answer.textValue());
                if (idx < 0) {
                    throw r.error("answer", "'" + answer.textValue() + "' is not one of the choices " + choices);
                }
                b.answerIndex(idx);
            } else {
                b.answerIndex(r.requireAnswerIndex("answer", choices.size()));
            }
            List<String> choiceImages = r.optStringList("choice_images");
            if (!choiceImages.isEmpty() && choiceImages.size() != choices.size()) {
                throw r.error("choice_images", "has " + choiceImages.size() + " entries for " + choices.size() + " choices");
            }
            for (int i = 0; i < choiceImages.size(); i++) {
                String field = "choice_images[" + i + "]";
                b.addChoiceImages(images.check(images.resolve(dir, choiceImages.get(i), r, field), r, field));
            }
        } else {
            if (r.has("answers")) {
                b.answers(r.requireStringList("answers", 1));
            } else if (answer == null || answer.isNull()) {
                throw r.error("answer", "missing (expected the answer text, a list of them in 'answers', or 'choices' with "
                        + "an answer index)");
            } else if (answer.isTextual() || answer.isNumber()) {
                b.addAnswers(answer.asText());
            } else {
                throw r.error("answer", "expected the answer text, found " + RecordFields.describe(answer));
            }
        }
    }

    /** The record's metadata: its {@code metadata} object, its other scalar fields, the split and the hint. */
    private static Map<String, String> metadata(Line line, RecordFields r, JsonNode node, String split) {
        Map<String, String> meta = new LinkedHashMap<>();
        JsonNode m = node.get("metadata");
        if (m != null && !m.isNull()) {
            if (!m.isObject()) {
                throw r.error("metadata", "expected an object of names to values, found " + RecordFields.describe(m));
            }
            new RecordFields(line.file(), r.record(), m).scalarsInto(meta, Set.of());
        }
        r.scalarsInto(meta, KNOWN);
        meta.put("split", split);
        Optional.ofNullable(node.get("context")).or(() -> Optional.ofNullable(node.get("hint")))
                .filter(JsonNode::isTextual)
                .ifPresent(c -> meta.put("hint", c.textValue()));
        return meta;
    }

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".jsonl") ? n.substring(0, n.length() - ".jsonl".length()) : n;
    }

    private static int order(String stem) {
        int i = SPLIT_ORDER.indexOf(stem);
        return i < 0 ? SPLIT_ORDER.size() : i;
    }

    /** One line: its text, or why it could not be decoded. */
    private record Line(Path file, long number, @Nullable String text, @Nullable String problem) {}

    /**
     * The non-blank lines of the files in turn, one at a time, each decoded as UTF-8 on its own:
     * a line that is not valid UTF-8 is reported for that line (and can be skipped) instead of
     * breaking the rest of the file.
     */
    private static final class Lines implements java.io.Closeable {
        private final Iterator<Path> files;
        private @Nullable InputStream in;
        private @Nullable Path file;
        private long number;
        private byte[] buf = new byte[8192];
        private final byte[] chunk = new byte[1 << 16];
        private int chunkPos;
        private int chunkLen;

        Lines(List<Path> files) {
            this.files = new ArrayList<>(files).iterator();
        }

        @Nullable Line next() {
            try {
                while (true) {
                    if (in == null) {
                        if (!files.hasNext()) {
                            return null;
                        }
                        file = files.next();
                        in = Files.newInputStream(file);
                        number = 0;
                        chunkPos = 0;
                        chunkLen = 0;
                    }
                    int n = 0;
                    int b;
                    while ((b = nextByte()) >= 0 && b != '\n') {
                        if (n == buf.length) {
                            buf = Arrays.copyOf(buf, buf.length * 2);
                        }
                        buf[n++] = (byte) b;
                    }
                    if (b < 0 && n == 0) {
                        in.close();
                        in = null;
                        continue;
                    }
                    number++;
                    if (n > 0 && buf[n - 1] == '\r') {
                        n--;
                    }
                    int from = number == 1 && n >= 3 && (buf[0] & 0xff) == 0xEF && (buf[1] & 0xff) == 0xBB
                            && (buf[2] & 0xff) == 0xBF ? 3 : 0; // a byte-order mark some editors write
                    String text;
                    try {
                        text = StandardCharsets.UTF_8.newDecoder()
                                .onMalformedInput(CodingErrorAction.REPORT)
                                .onUnmappableCharacter(CodingErrorAction.REPORT)
                                .decode(ByteBuffer.wrap(buf, from, n - from))
                                .toString();
                    } catch (CharacterCodingException e) {
                        return new Line(file, number, null, "not valid UTF-8 text");
                    }
                    if (!text.isBlank()) {
                        return new Line(file, number, text, null);
                    }
                }
            } catch (IOException e) {
                throw new DatasetException(file, "line " + (number + 1), null, "cannot read: " + e.getMessage(), e);
            }
        }

        private int nextByte() throws IOException {
            if (chunkPos == chunkLen) {
                chunkLen = in == null ? -1 : in.read(chunk);
                chunkPos = 0;
                if (chunkLen <= 0) {
                    chunkLen = 0;
                    return -1;
                }
            }
            return chunk[chunkPos++] & 0xff;
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
                in = null;
            }
        }
    }
}
