package dev.mmpeft.datasets;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * What to read from a dataset folder and how strictly: the value a {@link DatasetReader} hands to
 * its {@link DatasetReaderProvider}. Built through the reader's fluent methods.
 */
@Value.Immutable
public abstract class ReadOptions {
    /** The dataset folder (or file, for JSONL). */
    public abstract Optional<Path> root();

    /** The split to read ({@code train}, {@code val}, {@code test}, {@code minitrain}, ...); empty reads train, val and test. */
    public abstract Optional<String> split();

    /** Sub-tasks to read (IconQA {@code choose_txt}, {@code choose_img}, {@code fill_in_blank}); empty reads all. */
    public abstract List<String> subtasks();

    /** Only records with an image (the ScienceQA-IMG subset the papers use). */
    @Value.Default
    public boolean imagesOnly() {
        return false;
    }

    /** What to do with a record whose image file is absent. */
    @Value.Default
    public MissingImages missingImages() {
        return MissingImages.FAIL;
    }

    /** How carefully image files are checked. */
    @Value.Default
    public ImageCheck imageCheck() {
        return ImageCheck.HEADER;
    }

    /**
     * The folder holding the images when it is not the dataset's own (a shared COCO folder for
     * OK-VQA and A-OKVQA, a Flickr30K image folder elsewhere). Formats that name images by a
     * folder inside the dataset ({@code flickr30k-images/}, {@code train2014/}, {@code train_images/})
     * look for that folder here instead; empty means the dataset root.
     */
    public abstract Optional<Path> imageRoot();

    /** How captioning datasets make examples of images with several captions. */
    @Value.Default
    public CaptionExamples captionExamples() {
        return CaptionExamples.BY_SPLIT;
    }

    /** Skip (count and log) bad records instead of failing on the first one. */
    @Value.Default
    public boolean lenient() {
        return false;
    }

    /** How many skips are logged one by one (all are counted). */
    @Value.Default
    public int maxLoggedSkips() {
        return 20;
    }

    /** The root, or a clear error when none was given. */
    public Path requireRoot(String format) {
        return root().orElseThrow(
                () -> new DatasetException(null, null, null, format + " reader: no dataset root given (call root(dir))"));
    }

    @Value.Check
    protected void check() {
        if (maxLoggedSkips() < 0) {
            throw new IllegalArgumentException("maxLoggedSkips must be >= 0, got " + maxLoggedSkips());
        }
        split().ifPresent(s -> {
            if (s.isBlank()) {
                throw new IllegalArgumentException("split must not be blank");
            }
        });
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link ReadOptions}; {@code build()} validates it. */
    public static class Builder extends ImmutableReadOptions.Builder {}
}
