package dev.mmpeft.datasets.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads OK-VQA (Marino et al., CVPR 2019) in the VQA v2 format it ships in:
 * {@code OpenEnded_mscoco_{train,val}2014_questions.json} ({@code questions}: {@code image_id},
 * {@code question}, {@code question_id}) and {@code mscoco_{train,val}2014_annotations.json}
 * ({@code annotations}: {@code question_id}, ten {@code answers} of {@code {answer,
 * answer_confidence, answer_id}}, {@code answer_type}, {@code question_type}), with the COCO 2014
 * images {@code {split}2014/COCO_{split}2014_{image_id:012d}.jpg} (in the dataset folder or the
 * image root).
 *
 * <p>Questions are read in file order; the annotations file is indexed by {@code question_id}
 * first, so the two files need not be in the same order. An example's {@code id} is the question
 * id and {@code answers()} the ten human answers, as the VQA evaluation scores them.
 */
public final class OkVqaProvider implements DatasetReaderProvider {
    private static final List<String> SPLITS = List.of("train", "val");

    @Override
    public String name() {
        return "okvqa";
    }

    @Override
    public String description() {
        return "OK-VQA (VQA v2 format): OpenEnded_mscoco_{split}2014_questions.json + mscoco_{split}2014_annotations.json"
                + " + COCO {split}2014/ images";
    }

    @Override
    public TaskType taskType() {
        return TaskType.OPEN_VQA;
    }

    static String questionsFile(String split) {
        return "OpenEnded_mscoco_" + split + "2014_questions.json";
    }

    static String annotationsFile(String split) {
        return "mscoco_" + split + "2014_annotations.json";
    }

    /** {@code COCO_val2014_000000000042.jpg}: the COCO 2014 file name of an image id. */
    static String cocoImage(String split, long imageId) {
        return String.format(Locale.ROOT, "COCO_%s2014_%012d.jpg", split, imageId);
    }

    @Override
    public DatasetStream open(ReadOptions options) {
        Path root = OpenLayouts.root(options, name(),
                "OpenEnded_mscoco_{train,val}2014_questions.json and mscoco_{train,val}2014_annotations.json");
        List<String> splits = OpenLayouts.splits(options, root, name(), SPLITS, s -> root.resolve(questionsFile(s)));
        ReadReport report = new ReadReport("okvqa " + root + options.split().map(s -> " [" + s + "]").orElse(""),
                options.maxLoggedSkips());
        ImageFiles files = new ImageFiles(OpenLayouts.imageBase(options, root), options, report);
        OpenLayouts.SeenIds ids = new OpenLayouts.SeenIds();
        SplitRecords records = new SplitRecords(splits, split -> {
            Path annotationsPath = root.resolve(annotationsFile(split));
            if (!Files.isRegularFile(annotationsPath)) {
                throw new DatasetException(annotationsPath, null, null, "file not found (the answers of "
                        + questionsFile(split) + ")");
            }
            JsonListIndex annotations = JsonListIndex.build(annotationsPath, "annotations", "question_id");
            Path questionsPath = root.resolve(questionsFile(split));
            JsonArrayReader questions = JsonArrayReader.open(questionsPath, "questions");
            Path imageDir = OpenLayouts.imageFolder(options, root, split + "2014");
            return new SplitRecords.Source() {
                @Override
                public JsonArrayReader reader() {
                    return questions;
                }

                @Override
                public List<MultimodalExample> examples(JsonArrayReader.Element e) {
                    return List.of(load(e, questionsPath, annotations, split, files, imageDir, ids));
                }

                @Override
                public void close() throws IOException {
                    try {
                        questions.close();
                    } finally {
                        annotations.close();
                    }
                }
            };
        });
        return DatasetStream.of(options, report, records, records);
    }

    private static MultimodalExample load(JsonArrayReader.Element e, Path file, JsonListIndex annotations, String split,
            ImageFiles files, Path imageDir, OpenLayouts.SeenIds ids) {
        String qid = OpenLayouts.idOrNull(e.node(), "question_id");
        RecordFields q = new RecordFields(file, OpenLayouts.label("questions", e.index(), "question_id", qid), e.node());
        String questionId = OpenLayouts.requireId(q, "question_id");
        String question = q.requireString("question");
        long imageId = OpenLayouts.requireNonNegativeLong(q, "image_id");
        ids.requireNew(q, "question_id", questionId);
        RecordFields a = annotations.read(questionId, "question_id");
        if (a == null) {
            throw q.error("question_id", "has no annotation in " + annotations.file().getFileName()
                    + " (expected one with the same question_id)");
        }
        JsonNode answers = a.node().get("answers");
        if (answers == null || !answers.isArray() || answers.isEmpty()) {
            throw a.error("answers", answers == null || answers.isNull()
                    ? "missing (expected the human answers [{\"answer\": ...}])"
                    : answers.isArray() ? "is empty (expected the human answers)"
                            : "expected a list of {\"answer\": ...}, found " + RecordFields.describe(answers));
        }
        ImmutableList.Builder<String> human = ImmutableList.builder();
        for (int i = 0; i < answers.size(); i++) {
            JsonNode ans = answers.get(i);
            JsonNode text = ans.isObject() ? ans.get("answer") : null;
            if (text == null || !text.isTextual()) {
                throw a.error("answers[" + i + "].answer", text == null || text.isNull()
                        ? "missing (expected the answer text)" : "expected the answer text, found " + RecordFields.describe(text));
            }
            human.add(text.textValue());
        }
        if (a.has("image_id") && OpenLayouts.requireNonNegativeLong(a, "image_id") != imageId) {
            throw a.error("image_id", "is " + a.node().get("image_id").asText() + " but the question says " + imageId
                    + " (" + file.getFileName() + ")");
        }
        Path image = OpenLayouts.image(files, imageDir, cocoImage(split, imageId), q, "image_id");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("question_id", questionId);
        meta.put("image_id", String.valueOf(imageId));
        for (String f : List.of("answer_type", "question_type", "confidence")) {
            JsonNode v = a.node().get(f);
            if (v != null && (v.isTextual() || v.isNumber())) {
                meta.put(f, v.asText());
            }
        }
        meta.put("split", split);
        return MultimodalExample.builder().id(questionId).split(split).question(question).addImages(image)
                .answers(human.build()).metadata(meta).build();
    }
}
