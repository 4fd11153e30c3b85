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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the TextVQA release (Singh et al., CVPR 2019): {@code TextVQA_0.5.1_{train,val,test}.json},
 * each {@code {"data": [{question_id, image_id, question, answers (10), image_classes,
 * flickr_original_url, set_name, ...}]}} (test without answers), images {@code
 * train_images/{image_id}.jpg} for train and val and {@code test_images/{image_id}.jpg} for test.
 *
 * <p>An example's {@code id} is the question id and {@code answers()} the ten human answers. A
 * record's {@code ocr_tokens} (present in the MMF-style files; the plain release keeps its OCR in
 * separate Rosetta files, which this reader does not join) become metadata {@code ocr_tokens}, the
 * tokens joined by spaces, for the template's optional OCR part; {@code image_classes} become
 * {@code image_classes}, joined by commas.
 */
public final class TextVqaProvider implements DatasetReaderProvider {
    private static final List<String> SPLITS = List.of("train", "val", "test");
    private static final Set<String> NOT_METADATA = ImmutableSet.of("question", "answers", "question_tokens",
            "ocr_tokens", "image_classes", "ocr_info");

    @Override
    public String name() {
        return "textvqa";
    }

    @Override
    public String description() {
        return "TextVQA: TextVQA_0.5.1_{split}.json + train_images/ and test_images/{image_id}.jpg; OCR tokens kept";
    }

    @Override
    public TaskType taskType() {
        return TaskType.OPEN_VQA;
    }

    static String fileName(String split) {
        return "TextVQA_0.5.1_" + split + ".json";
    }

    @Override
    public DatasetStream open(ReadOptions options) {
        Path root = OpenLayouts.root(options, name(), "TextVQA_0.5.1_{train,val,test}.json and train_images/");
        List<String> splits = OpenLayouts.splits(options, root, name(), SPLITS, s -> root.resolve(fileName(s)));
        ReadReport report = new ReadReport("textvqa " + root + options.split().map(s -> " [" + s + "]").orElse(""),
                options.maxLoggedSkips());
        ImageFiles files = new ImageFiles(OpenLayouts.imageBase(options, root), options, report);
        OpenLayouts.SeenIds ids = new OpenLayouts.SeenIds();
        SplitRecords records = new SplitRecords(splits, split -> {
            Path file = root.resolve(fileName(split));
            JsonArrayReader reader = JsonArrayReader.open(file, "data");
            Path imageDir = OpenLayouts.imageFolder(options, root, TextCapsProvider.imageFolder(split));
            return new SplitRecords.Source() {
                @Override
                public JsonArrayReader reader() {
                    return reader;
                }

                @Override
                public List<MultimodalExample> examples(JsonArrayReader.Element e) {
                    return List.of(load(e, file, split, files, imageDir, ids));
                }

                @Override
                public void close() throws IOException {
                    reader.close();
                }
            };
        });
        return DatasetStream.of(options, report, records, records);
    }

    private static MultimodalExample load(JsonArrayReader.Element e, Path file, String split, ImageFiles files,
            Path imageDir, OpenLayouts.SeenIds ids) {
        String qid = OpenLayouts.idOrNull(e.node(), "question_id");
        RecordFields rec = new RecordFields(file, OpenLayouts.label("data", e.index(), "question_id", qid), e.node());
        String questionId = OpenLayouts.requireId(rec, "question_id");
        String question = rec.requireString("question");
        String imageId = OpenLayouts.requireId(rec, "image_id");
        var b = MultimodalExample.builder().id(questionId).split(split).question(question);
        if (rec.has("answers")) {
            b.answers(OpenLayouts.requireAnswers(rec, "answers", 0));
        } else if (!split.equals("test")) {
            throw rec.error("answers", "missing (expected the ten human answers)");
        }
        ids.requireNew(rec, "question_id", questionId);
        b.addImages(OpenLayouts.image(files, imageDir, imageId + ".jpg", rec, "image_id"));
        Map<String, String> meta = new LinkedHashMap<>();
        rec.scalarsInto(meta, NOT_METADATA);
        meta.put("ocr_tokens", OpenLayouts.joined(rec, "ocr_tokens", " "));
        String classes = OpenLayouts.joined(rec, "image_classes", ", ");
        if (!classes.isEmpty()) {
            meta.put("image_classes", classes);
        }
        meta.put("split", split);
        return b.metadata(meta).build();
    }
}
