package dev.mmpeft.datasets;

import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;

/**
 * Flickr30K captions in Karpathy's split ({@code dataset_flickr30k.json}, images in
 * {@code flickr30k-images/}): 29,000 / 1,014 / 1,000 images, five captions each. One of the
 * captioning benchmarks of PETAL's Table 1, scored with CIDEr and ROUGE.
 *
 * <pre>{@code
 * var train = Flickr30k.reader().root(dir).split("train").read();           // one example per caption
 * var test = Flickr30k.reader().root(dir).split("test").readAll();          // one per image, 5 references
 * }</pre>
 *
 * <p>{@code id} is the Flickr photo id (the file name without {@code .jpg}); per-caption examples
 * are {@code PHOTO#K}. {@code metadata()} holds {@code imgid}, {@code filename}, {@code split}
 * (and {@code sentid}, {@code caption_index} per caption).
 */
public final class Flickr30k {
    /** The format name. */
    public static final String FORMAT = "flickr30k";

    private Flickr30k() {}

    /** A reader for the Karpathy split file; set {@code root(dir)} (and {@code imageRoot} if the images are elsewhere). */
    public static DatasetReader reader() {
        return DatasetReaders.forFormat(FORMAT);
    }

    /** InstructBLIP's captioning template. */
    public static PromptTemplate template() {
        return PromptTemplates.caption();
    }
}
