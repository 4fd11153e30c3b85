package dev.mmpeft.datasets;

import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;

/**
 * TextVQA (questions that need reading the text in the image): {@code
 * TextVQA_0.5.1_{train,val,test}.json} with {@code train_images/} and {@code test_images/}. One of
 * the VQA benchmarks of PETAL's Table 2, scored with EvalAI's TextVQA accuracy.
 *
 * <pre>{@code
 * var val = TextVqa.reader().root(dir).split("val").readAll();
 * TextVqa.templateWithOcr();   // OCR tokens: ... Question: ... Short answer:
 * }</pre>
 *
 * <p>{@code id} is the question id, {@code answers()} the ten human answers; {@code metadata()}
 * holds {@code ocr_tokens} (space-joined, empty when the record has none), {@code image_id},
 * {@code image_classes}, {@code flickr_original_url}, {@code set_name}.
 */
public final class TextVqa {
    /** The format name. */
    public static final String FORMAT = "textvqa";

    private TextVqa() {}

    /** A reader for the TextVQA layout; set {@code root(dir)} and read. */
    public static DatasetReader reader() {
        return DatasetReaders.forFormat(FORMAT);
    }

    /** InstructBLIP's short-answer template. */
    public static PromptTemplate template() {
        return PromptTemplates.textVqa();
    }

    /** The short-answer template with the image's OCR tokens before the question. */
    public static PromptTemplate templateWithOcr() {
        return PromptTemplates.textVqaWithOcr();
    }
}
