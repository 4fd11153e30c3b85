package dev.mmpeft.datasets.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.datasets.DatasetException;
import dev.mmpeft.datasets.DatasetStream;
import dev.mmpeft.datasets.ReadOptions;
import dev.mmpeft.datasets.ReadReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Flickr30K in LAVIS's annotation files, read when a folder has them instead of Karpathy's
 * {@code dataset_flickr30k.json}: {@code annotations/{train,val,test}.json} (LAVIS's storage
 * names) or {@code flickr30k_{train,val,test}.json} (its download names). Train is a list of
 * {@code {"image": "flickr30k-images/X.jpg", "caption": "...", "image_id": ...}}, one per caption;
 * val and test are lists of {@code {"image": ..., "caption": [...]}}, one per image. Image paths are
 * relative to the image root (the dataset folder unless one is given), as LAVIS's {@code vis_root}.
 *
 * <p>Example ids are the photo ids (the image file name without {@code .jpg}), which is also the
 * {@code image_id} LAVIS's caption evaluation writes into its result files. Per-image examples of
 * the train file join the captions of consecutive records of one image (LAVIS lists them together).
 */
final class LavisFlickr30k {
    private static final List<String> SPLITS = List.of("train", "val", "test");

    private LavisFlickr30k() {}

    /** The LAVIS annotation file of a split, when this folder has the LAVIS layout. */
    static Optional<Path> file(Path root, String split) {
        for (Path p : List.of(root.resolve("annotations").resolve(split + ".json"), root.resolve("flickr30k_" + split + ".json"))) {
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    static boolean present(Path root) {
        return SPLITS.stream().anyMatch(s -> file(root, s).isPresent());
    }

    static DatasetStream open(ReadOptions options, Path root) {
        List<String> splits = OpenLayouts.splits(options, root, "flickr30k (LAVIS layout)", SPLITS,
                s -> file(root, s).orElse(root.resolve("annotations").resolve(s + ".json")));
        ReadReport report = new ReadReport("flickr30k " + root + options.split().map(s -> " [" + s + "]").orElse(""),
                options.maxLoggedSkips());
        Path base = OpenLayouts.imageBase(options, root);
        ImageFiles files = new ImageFiles(base, options, report);
        OpenLayouts.SeenIds ids = new OpenLayouts.SeenIds();
        SplitRecords records = new SplitRecords(splits, split -> new SplitSource(split,
                file(root, split).orElseThrow(), options, files, base, ids));
        return DatasetStream.of(options, report, records, records);
    }

    /** One split file; holds the captions of the current image while per-image examples are grouped. */
    private static final class SplitSource implements SplitRecords.Source {
        private final String split;
        private final Path file;
        private final JsonArrayReader reader;
        private final ImageFiles files;
        private final Path base;
        private final OpenLayouts.SeenIds ids;
        private final boolean perCaption;
        private final Map<String, Integer> captionsSeen = new HashMap<>();
        private @Nullable Group group;

        SplitSource(String split, Path file, ReadOptions options, ImageFiles files, Path base, OpenLayouts.SeenIds ids) {
            this.split = split;
            this.file = file;
            this.reader = JsonArrayReader.open(file, null);
            this.files = files;
            this.base = base;
            this.ids = ids;
            this.perCaption = options.captionExamples().perCaption(split);
        }

        /** The captions of one image read so far, and the record that named the image first. */
        private record Group(String photo, Path image, RecordFields first, List<String> captions) {}

        @Override
        public JsonArrayReader reader() {
            return reader;
        }

        @Override
        public List<MultimodalExample> examples(JsonArrayReader.Element e) {
            String name = e.node().isObject() && e.node().path("image").isTextual() ? e.node().get("image").textValue() : null;
            RecordFields rec = new RecordFields(file, OpenLayouts.label("", e.index(), "image", name), e.node());
            String imagePath = rec.requireString("image");
            String fileName = Path.of(imagePath).getFileName().toString();
            String photo = fileName.endsWith(".jpg") ? fileName.substring(0, fileName.length() - 4) : fileName;
            JsonNode c = rec.node().get("caption");
            List<String> captions = c != null && c.isTextual() ? List.of(c.textValue()) : rec.requireStringList("caption", 1);
            for (int k = 0; k < captions.size(); k++) {
                if (captions.get(k).isBlank()) {
                    throw rec.error(c != null && c.isTextual() ? "caption" : "caption[" + k + "]", "is empty (expected the caption text)");
                }
            }
            List<MultimodalExample> out = new ArrayList<>();
            if (group != null && (perCaption || !group.photo().equals(photo))) {
                out.add(flush());
            }
            if (perCaption) {
                Path image = OpenLayouts.image(files, base, imagePath, rec, "image");
                for (String caption : captions) {
                    int k = captionsSeen.merge(photo, 1, Integer::sum) - 1;
                    Map<String, String> meta = metadata(rec, imagePath);
                    meta.put("caption_index", String.valueOf(k));
                    out.add(MultimodalExample.builder().id(photo + "#" + k).split(split).question("").addImages(image)
                            .addAnswers(caption).metadata(meta).build());
                }
            } else if (group == null) {
                ids.requireNew(rec, "image", photo);
                group = new Group(photo, OpenLayouts.image(files, base, imagePath, rec, "image"), rec, new ArrayList<>(captions));
            } else {
                group.captions().addAll(captions); // another caption of the same image
            }
            return out;
        }

        @Override
        public List<MultimodalExample> finish() {
            return group == null ? List.of() : List.of(flush());
        }

        private MultimodalExample flush() {
            Group g = group;
            group = null;
            if (g == null) {
                throw new IllegalStateException("no image to flush");
            }
            return MultimodalExample.builder().id(g.photo()).split(split).question("").addImages(g.image())
                    .answers(ImmutableList.copyOf(g.captions())).metadata(metadata(g.first(), g.first().node().get("image").textValue()))
                    .build();
        }

        private Map<String, String> metadata(RecordFields rec, String imagePath) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("filename", Path.of(imagePath).getFileName().toString());
            meta.put("image", imagePath);
            JsonNode id = rec.node().get("image_id");
            if (id != null && (id.isTextual() || id.isIntegralNumber())) {
                meta.put("lavis_image_id", id.asText());
            }
            meta.put("split", split);
            return meta;
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }

    /** The message when a folder has neither layout. */
    static DatasetException neither(Path root) {
        return new DatasetException(root.resolve(Flickr30kProvider.FILE), null, null, "file not found (expected Karpathy's "
                + Flickr30kProvider.FILE + ", or LAVIS's annotations/{train,val,test}.json or flickr30k_{split}.json)");
    }
}
