package dev.mmpeft.datasets;

import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;

/**
 * OK-VQA (outside-knowledge VQA on COCO 2014 images) in its VQA v2 question and annotation files.
 * One of the VQA benchmarks of PETAL's Table 2, scored with the VQA v2 accuracy.
 *
 * <pre>{@code
 * var val = OkVqa.reader().root(dir).imageRoot(coco).split("val").readAll();
 * }</pre>
 *
 * <p>{@code id} is the question id, {@code answers()} the ten human answers; {@code metadata()}
 * holds {@code question_id}, {@code image_id}, {@code answer_type}, {@code question_type}.
 */
public final class OkVqa {
    /** The format name. */
    public static final String FORMAT = "okvqa";

    private OkVqa() {}

    /** A reader for the OK-VQA files; set {@code root(dir)} and, for a shared COCO folder, {@code imageRoot(coco)}. */
    public static DatasetReader reader() {
        return DatasetReaders.forFormat(FORMAT);
    }

    /** InstructBLIP's short-answer template. */
    public static PromptTemplate template() {
        return PromptTemplates.vqa();
    }
}
