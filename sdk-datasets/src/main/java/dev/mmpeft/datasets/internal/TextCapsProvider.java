package dev.mmpeft.datasets.internal;

import com.google.common.collect.ImmutableSet;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.datasets.DatasetReaderProvider;
import dev.mmpeft.datasets.DatasetStream;
import dev.mmpeft.datasets.ReadOptions;
import dev.mmpeft.datasets.ReadReport;
import dev.mmpeft.datasets.TaskType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads the TextCaps release (Sidorov et al., ECCV 2020): {@code TextCaps_0.1_{train,val,test}.json},
 * each {@code {"data": [...]}} with one entry per caption ({@code image_id}, {@code caption_str},
 * {@code reference_strs}: all five captions of the image, {@code caption_id}, {@code
 * image_classes}, ...); the test file has one entry per image and no captions. Images are the
 * TextVQA ones: {@code train_images/{image_id}.jpg} for train and val, {@code
 * test_images/{image_id}.jpg} for test (LAVIS names them the same way).
 *
 * <p>Per image ({@code id} the image id, {@code answers()} its {@code reference_strs}; later
 * entries of the same image are folded into the first) or per caption ({@code id}
 * {@code IMAGE#K}, {@code answers()} the entry's {@code caption_str}), as {@link
 * ReadOptions#captionExamples()} says.
 */
public final class TextCapsProvider implements DatasetReaderProvider {
    private static final List<String> SPLITS = List.of("train", "val", "test");
    private static final Set<String> NOT_METADATA = ImmutableSet.of("caption_str", "caption_tokens", "reference_strs",
            "reference_tokens", "image_classes");

    @Override
    public String name() {
        return "textcaps";
    }

    @Override
    public String description() {
        return "TextCaps: TextCaps_0.1_{split}.json + train_images/ and test_images/{image_id}.jpg";
    }

    @Override
    public TaskType taskType() {
        return TaskType.CAPTIONING;
    }

    static String fileName(String split) {
        return "TextCaps_0.1_" + split + ".json";
    }

    static String imageFolder(String split) {
        return split.equals("test") ? "test_images" : "train_images";
    }

    @Override
    public DatasetStream open(ReadOptions options) {
        Path root = OpenLayouts.root(options, name(), "TextCaps_0.1_{train,val,test}.json and train_images/");
        List<String> splits = OpenLayouts.splits(options, root, name(), SPLITS, s -> root.resolve(fileName(s)));
        ReadReport report = new ReadReport("textcaps " + root + options.split().map(s -> " [" + s + "]").orElse(""),
                options.maxLoggedSkips());
        ImageFiles files = new ImageFiles(OpenLayouts.imageBase(options, root), options, report);
        SplitRecords records = new SplitRecords(splits, split -> {
            Path file = root.resolve(fileName(split));
            JsonArrayReader reader = JsonArrayReader.open(file, "data");
            Path imageDir = OpenLayouts.imageFolder(options, root, imageFolder(split));
            boolean perCaption = options.captionExamples().perCaption(split);
            OpenLayouts.SeenIds images = new OpenLayouts.SeenIds();
            Map<String, Integer> captionsSeen = new HashMap<>();
            return new SplitRecords.Source() {
                @Override
                public JsonArrayReader reader() {
                    return reader;
                }

                @Override
                public List<MultimodalExample> examples(JsonArrayReader.Element e) {
                    return load(e, file, split, files, imageDir, perCaption, images, captionsSeen);
                }

                @Override
                public void close() throws IOException {
                    reader.close();
                }
            };
        });
        return DatasetStream.of(options, report, records, records);
    }

    private static List<MultimodalExample> load(JsonArrayReader.Element e, Path file, String split, ImageFiles files,
            Path imageDir, boolean perCaption, OpenLayouts.SeenIds images, Map<String, Integer> captionsSeen) {
        String imageIdOrNull = OpenLayouts.idOrNull(e.node(), "image_id");
        RecordFields rec = new RecordFields(file, OpenLayouts.label("data", e.index(), "image_id", imageIdOrNull), e.node());
        String imageId = OpenLayouts.requireId(rec, "image_id");
        boolean hasCaption = rec.has("caption_str");
        @Nullable String caption = hasCaption ? rec.requireString("caption_str") : null;
        if (caption != null && caption.isBlank()) {
            throw rec.error("caption_str", "is empty (expected the caption text)");
        }
        List<String> references = rec.optStringList("reference_strs");
        if (!split.equals("test") && caption == null) {
            throw rec.error("caption_str", "missing (every " + split + " entry is one caption of its image)");
        }
        boolean firstOfImage = images.firstTime(imageId);
        if (!perCaption && !firstOfImage) {
            return List.of(); // another caption of an image already read with all its references
        }
        if (caption == null && !firstOfImage) {
            throw rec.error("image_id", "duplicate image_id " + imageId + " (a test entry stands for its whole image)");
        }
        if (!perCaption && caption != null && references.isEmpty()) {
            throw rec.error("reference_strs", "missing (per-image examples need the image's reference captions)");
        }
        Path image = OpenLayouts.image(files, imageDir, imageId + ".jpg", rec, "image_id");
        Map<String, String> meta = new LinkedHashMap<>();
        rec.scalarsInto(meta, NOT_METADATA);
        String classes = OpenLayouts.joined(rec, "image_classes", ", ");
        if (!classes.isEmpty()) {
            meta.put("image_classes", classes);
        }
        meta.put("split", split);
        var b = MultimodalExample.builder().split(split).question("").addImages(image);
        if (!perCaption || caption == null) {
            return List.of(b.id(imageId).answers(references).metadata(meta).build());
        }
        int k = captionsSeen.merge(imageId, 1, Integer::sum) - 1;
        meta.put("caption_index", String.valueOf(k));
        return List.of(b.id(imageId + "#" + k).addAnswers(caption).metadata(meta).build());
    }
}
