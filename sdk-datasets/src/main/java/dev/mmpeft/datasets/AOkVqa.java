package dev.mmpeft.datasets;

import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;

/**
 * A-OKVQA (commonsense and world-knowledge VQA on COCO 2017 images): {@code
 * aokvqa_v1p0_{train,val,test}.json}. Every example has both settings: four options with the
 * correct index (multiple choice) and ten direct answers. One of the VQA benchmarks of PETAL's
 * Table 2.
 *
 * <pre>{@code
 * var val = AOkVqa.reader().root(dir).imageRoot(coco).split("val").readAll();
 * AOkVqa.template();               // multiple choice: lettered options, candidate scoring
 * AOkVqa.directAnswerTemplate();   // direct answer: generation, target the most frequent answer
 * }</pre>
 *
 * <p>{@code metadata()} holds {@code question_id}, {@code image_id}, {@code difficult_direct_answer}
 * and {@code rationales}.
 */
public final class AOkVqa {
    /** The format name. */
    public static final String FORMAT = "aokvqa";

    private AOkVqa() {}

    /** A reader for the A-OKVQA files; set {@code root(dir)} and, for a shared COCO folder, {@code imageRoot(coco)}. */
    public static DatasetReader reader() {
        return DatasetReaders.forFormat(FORMAT);
    }

    /** The multiple-choice template (IconQA form). */
    public static PromptTemplate template() {
        return PromptTemplates.aOkVqa();
    }

    /** The direct-answer template (options ignored). */
    public static PromptTemplate directAnswerTemplate() {
        return PromptTemplates.aOkVqaDirectAnswer();
    }
}
