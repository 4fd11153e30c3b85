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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads Flickr30K captions in Karpathy's split file, {@code dataset_flickr30k.json}: {@code
 * {"images": [{"filename", "imgid", "split", "sentences": [{"raw", "tokens", ...}], "sentids"}],
 * "dataset": "flickr30k"}}, split train (29,000 images), val (1,014) and test (1,000), five
 * captions per image; images in {@code flickr30k-images/} (or the image root).
 *
 * <p>One example per image ({@code id} the file name without {@code .jpg}: the Flickr photo id,
 * {@code answers()} the five raw captions) or per caption ({@code id} {@code PHOTO#K}), as {@link
 * ReadOptions#captionExamples()} says; {@code imgid} (Karpathy's running index) is kept in metadata
 * so predictions keyed by it can be matched. A folder without this file but with LAVIS's
 * annotation files ({@code annotations/{split}.json}) is read in that layout ({@link LavisFlickr30k}).
 */
public final class Flickr30kProvider implements DatasetReaderProvider {
    static final String FILE = "dataset_flickr30k.json";
    static final String IMAGES = "flickr30k-images";
    private static final List<String> SPLITS = List.of("train", "val", "test", "restval");
    private static final Set<String> NOT_METADATA = ImmutableSet.of("sentences", "sentids", "split", "filename");

    @Override
    public String name() {
        return "flickr30k";
    }

    @Override
    public String description() {
        return "Flickr30K, Karpathy split: dataset_flickr30k.json + flickr30k-images/{filename}; 5 captions per image";
    }

    @Override
    public TaskType taskType() {
        return TaskType.CAPTIONING;
    }

    @Override
    public DatasetStream open(ReadOptions options) {
        Path root = OpenLayouts.root(options, name(), FILE + " and " + IMAGES + "/");
        Path file = root.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            if (LavisFlickr30k.present(root)) {
                return LavisFlickr30k.open(options, root);
            }
            throw LavisFlickr30k.neither(root);
        }
        if (options.split().isPresent() && !SPLITS.contains(options.split().get())) {
            throw new DatasetException(file, null, null, "unknown flickr30k split '" + options.split().get()
                    + "' (expected one of " + SPLITS + ")");
        }
        ReadReport report = new ReadReport("flickr30k " + root + options.split().map(s -> " [" + s + "]").orElse(""),
                options.maxLoggedSkips());
        ImageFiles files = new ImageFiles(OpenLayouts.imageBase(options, root), options, report);
        Path imageDir = OpenLayouts.imageFolder(options, root, IMAGES);
        OpenLayouts.SeenIds ids = new OpenLayouts.SeenIds();
        JsonArrayReader reader = JsonArrayReader.open(file, "images");
        SplitRecords records = new SplitRecords(List.of("all"), s -> new SplitRecords.Source() {
            @Override
            public JsonArrayReader reader() {
                return reader;
            }

            @Override
            public @Nullable List<MultimodalExample> examples(JsonArrayReader.Element e) {
                return load(e, file, options, files, imageDir, ids);
            }

            @Override
            public void close() throws IOException {
                reader.close();
            }
        });
        return DatasetStream.of(options, report, records, () -> {
            records.close();
            reader.close();
        });
    }

    private static @Nullable List<MultimodalExample> load(JsonArrayReader.Element e, Path file, ReadOptions options,
            ImageFiles files, Path imageDir, OpenLayouts.SeenIds ids) {
        String filename = OpenLayouts.idOrNull(e.node(), "filename");
        RecordFields rec = new RecordFields(file, OpenLayouts.label("images", e.index(), "filename", filename), e.node());
        String split = rec.requireString("split");
        if (!SPLITS.contains(split)) {
            throw rec.error("split", "'" + split + "' is not a Karpathy split (expected one of " + SPLITS + ")");
        }
        if (options.split().isPresent() && !options.split().get().equals(split)) {
            return null; // another split of the one file: left out on request
        }
        String name = rec.requireString("filename");
        String photo = name.endsWith(".jpg") ? name.substring(0, name.length() - 4) : name;
        if (photo.isBlank()) {
            throw rec.error("filename", "is empty (expected an image file name such as 1000092795.jpg)");
        }
        JsonNode sentences = rec.node().get("sentences");
        if (sentences == null || !sentences.isArray() || sentences.isEmpty()) {
            throw rec.error("sentences", sentences == null || sentences.isNull()
                    ? "missing (expected the image's captions as [{\"raw\": ...}])"
                    : sentences.isArray() ? "is empty (expected at least one caption)"
                            : "expected a list of captions, found " + RecordFields.describe(sentences));
        }
        List<String> captions = new ArrayList<>(sentences.size());
        List<String> sentIds = new ArrayList<>(sentences.size());
        for (int k = 0; k < sentences.size(); k++) {
            JsonNode s = sentences.get(k);
            String field = "sentences[" + k + "]";
            if (!s.isObject()) {
                throw rec.error(field, "expected a caption object {\"raw\": ...}, found " + RecordFields.describe(s));
            }
            JsonNode raw = s.get("raw");
            if (raw == null || !raw.isTextual() || raw.textValue().isBlank()) {
                throw rec.error(field + ".raw", raw == null || raw.isNull() ? "missing (expected the caption text)"
                        : "expected the caption text, found " + RecordFields.describe(raw));
            }
            captions.add(raw.textValue());
            JsonNode sid = s.get("sentid");
            sentIds.add(sid == null || sid.isNull() ? "" : sid.asText());
        }
        ids.requireNew(rec, "filename", photo);
        Path image = OpenLayouts.image(files, imageDir, name, rec, "filename");
        Map<String, String> meta = new LinkedHashMap<>();
        rec.scalarsInto(meta, NOT_METADATA);
        meta.put("filename", name);
        meta.put("split", split);
        if (!options.captionExamples().perCaption(split)) {
            return List.of(MultimodalExample.builder().id(photo).split(split).question("").addImages(image)
                    .answers(captions).metadata(meta).build());
        }
        ImmutableList.Builder<MultimodalExample> out = ImmutableList.builder();
        for (int k = 0; k < captions.size(); k++) {
            Map<String, String> m = new LinkedHashMap<>(meta);
            m.put("caption_index", String.valueOf(k));
            if (!sentIds.get(k).isEmpty()) {
                m.put("sentid", sentIds.get(k));
            }
            out.add(MultimodalExample.builder().id(photo + "#" + k).split(split).question("").addImages(image)
                    .addAnswers(captions.get(k)).metadata(m).build());
        }
        return out.build();
    }
}
