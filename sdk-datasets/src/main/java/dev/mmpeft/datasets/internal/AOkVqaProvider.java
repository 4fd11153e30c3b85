package dev.mmpeft.datasets.internal;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.Locale;
import java.util.Map;

/**
 * Reads A-OKVQA (Schwenk et al., ECCV 2022): {@code aokvqa_v1p0_{train,val,test}.json}, each a list
 * of {@code {question_id, image_id, question, choices, correct_choice_idx, direct_answers,
 * difficult_direct_answer, rationales}} (the test file without the answers), with the COCO 2017
 * images {@code {split}2017/{image_id:012d}.jpg} (in the dataset folder or the image root), as the
 * official {@code load_aokvqa.py} and {@code get_coco_path} name them.
 *
 * <p>Each example carries both settings: {@code choices()} and {@code answerIndex()} for multiple
 * choice, {@code answers()} (the ten direct answers) for direct answer; {@code
 * difficult_direct_answer} is kept in metadata because the official direct-answer evaluation leaves
 * those questions out, and the rationales as {@code rationales} (one per line).
 */
public final class AOkVqaProvider implements DatasetReaderProvider {
    private static final List<String> SPLITS = List.of("train", "val", "test");

    @Override
    public String name() {
        return "aokvqa";
    }

    @Override
    public String description() {
        return "A-OKVQA: aokvqa_v1p0_{split}.json + COCO {split}2017/{image_id:012d}.jpg; multiple choice and direct answer";
    }

    @Override
    public TaskType taskType() {
        return TaskType.MULTIPLE_CHOICE_AND_OPEN_VQA;
    }

    static String fileName(String split) {
        return "aokvqa_v1p0_" + split + ".json";
    }

    @Override
    public DatasetStream open(ReadOptions options) {
        Path root = OpenLayouts.root(options, name(), "aokvqa_v1p0_{train,val,test}.json");
        List<String> splits = OpenLayouts.splits(options, root, name(), SPLITS, s -> root.resolve(fileName(s)));
        ReadReport report = new ReadReport("aokvqa " + root + options.split().map(s -> " [" + s + "]").orElse(""),
                options.maxLoggedSkips());
        ImageFiles files = new ImageFiles(OpenLayouts.imageBase(options, root), options, report);
        OpenLayouts.SeenIds ids = new OpenLayouts.SeenIds();
        SplitRecords records = new SplitRecords(splits, split -> {
            Path file = root.resolve(fileName(split));
            JsonArrayReader reader = JsonArrayReader.open(file, null);
            Path imageDir = OpenLayouts.imageFolder(options, root, split + "2017");
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
        RecordFields rec = new RecordFields(file, OpenLayouts.label("", e.index(), "question_id", qid), e.node());
        String questionId = OpenLayouts.requireId(rec, "question_id");
        String question = rec.requireString("question");
        long imageId = OpenLayouts.requireNonNegativeLong(rec, "image_id");
        List<String> choices = rec.requireStringList("choices", 2);
        var b = MultimodalExample.builder().id(questionId).split(split).question(question).choices(choices);
        if (rec.has("correct_choice_idx")) {
            b.answerIndex(rec.requireAnswerIndex("correct_choice_idx", choices.size()));
        } else if (!split.equals("test")) {
            throw rec.error("correct_choice_idx", "missing (expected the index of the correct choice, 0.."
                    + (choices.size() - 1) + ")");
        }
        if (rec.has("direct_answers")) {
            b.answers(OpenLayouts.requireAnswers(rec, "direct_answers", 0));
        } else if (!split.equals("test")) {
            throw rec.error("direct_answers", "missing (expected the ten direct answers)");
        }
        ids.requireNew(rec, "question_id", questionId);
        String image = String.format(Locale.ROOT, "%012d.jpg", imageId);
        b.addImages(OpenLayouts.image(files, imageDir, image, rec, "image_id"));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("question_id", questionId);
        meta.put("image_id", String.valueOf(imageId));
        JsonNode difficult = rec.node().get("difficult_direct_answer");
        if (difficult != null && !difficult.isNull()) {
            if (!difficult.isBoolean()) {
                throw rec.error("difficult_direct_answer", "expected true or false, found " + RecordFields.describe(difficult));
            }
            meta.put("difficult_direct_answer", String.valueOf(difficult.booleanValue()));
        }
        List<String> rationales = rec.optStringList("rationales");
        if (!rationales.isEmpty()) {
            meta.put("rationales", String.join("\n", rationales));
        }
        meta.put("split", split);
        return b.metadata(meta).build();
    }
}
