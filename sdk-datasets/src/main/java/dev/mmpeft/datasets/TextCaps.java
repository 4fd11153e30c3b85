package dev.mmpeft.datasets;

import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;

/**
 * TextCaps (captions that read the text in the image): {@code TextCaps_0.1_{train,val,test}.json}
 * with the TextVQA images ({@code train_images/}, {@code test_images/}). One of the captioning
 * benchmarks of PETAL's Table 1.
 *
 * <pre>{@code
 * var val = TextCaps.reader().root(dir).split("val").readAll(); // one example per image, 5 references
 * }</pre>
 *
 * <p>{@code id} is the image id (per-caption examples {@code IMAGE#K}); {@code metadata()} holds
 * {@code image_classes}, {@code caption_id}, {@code set_name} and the record's other scalar fields.
 */
public final class TextCaps {
    /** The format name. */
    public static final String FORMAT = "textcaps";

    private TextCaps() {}

    /** A reader for the TextCaps layout; set {@code root(dir)} and read. */
    public static DatasetReader reader() {
        return DatasetReaders.forFormat(FORMAT);
    }

    /** InstructBLIP's captioning template. */
    public static PromptTemplate template() {
        return PromptTemplates.caption();
    }
}
