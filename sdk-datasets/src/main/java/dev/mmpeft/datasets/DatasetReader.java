package dev.mmpeft.datasets;

import com.google.common.collect.ImmutableList;
import dev.mmpeft.core.MultimodalExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * A fluent, immutable description of one dataset read: format, folder, split, sub-tasks and how
 * strictly to treat bad records. Every setter returns a new reader, so a configured reader can be
 * shared and varied ({@code base.split("val")}).
 *
 * <pre>{@code
 * try (Stream<MultimodalExample> test =
 *         ScienceQa.reader().root(dir).split("test").imagesOnly(true).read()) {
 *     test.forEach(...);
 * }
 * }</pre>
 */
public final class DatasetReader {
    private final DatasetReaderProvider provider;
    private final ReadOptions options;

    DatasetReader(DatasetReaderProvider provider, ReadOptions options) {
        this.provider = provider;
        this.options = options;
    }

    /** The format name ({@code scienceqa}, {@code iconqa}, {@code jsonl}, ...). */
    public String format() {
        return provider.name();
    }

    /** The provider that does the reading. */
    public DatasetReaderProvider provider() {
        return provider;
    }

    /** The options of this read. */
    public ReadOptions options() {
        return options;
    }

    /** The dataset folder (for JSONL also a single {@code .jsonl} file). */
    public DatasetReader root(Path root) {
        return with(ReadOptions.builder().from(options).root(root).build());
    }

    /** The split to read ({@code train}, {@code val}, {@code test}, {@code minitrain}, ...). */
    public DatasetReader split(String split) {
        return with(ReadOptions.builder().from(options).split(split).build());
    }

    /** Reads train, val and test (the default). */
    public DatasetReader allSplits() {
        return with(ReadOptions.builder().from(options).split(java.util.Optional.empty()).build());
    }

    /** The sub-tasks to read (IconQA: {@code choose_txt}, {@code choose_img}, {@code fill_in_blank}); none given reads all. */
    public DatasetReader subtasks(String... subtasks) {
        List<String> known = provider.subtasks();
        for (String s : subtasks) {
            if (known.isEmpty()) {
                throw new DatasetException(null, null, null,
                        "format " + provider.name() + " has no sub-tasks, got '" + s + "'");
            }
            if (!known.contains(s)) {
                throw new DatasetException(null, null, null,
                        "unknown " + provider.name() + " sub-task '" + s + "' (expected one of " + known + ")");
            }
        }
        return with(ReadOptions.builder().from(options).subtasks(Arrays.asList(subtasks)).build());
    }

    /** Only records with an image (ScienceQA-IMG, the papers' setting). */
    public DatasetReader imagesOnly(boolean imagesOnly) {
        return with(ReadOptions.builder().from(options).imagesOnly(imagesOnly).build());
    }

    /** What to do with records whose image file is absent (default {@link MissingImages#FAIL}). */
    public DatasetReader missingImages(MissingImages policy) {
        return with(ReadOptions.builder().from(options).missingImages(policy).build());
    }

    /** How carefully image files are checked (default {@link ImageCheck#HEADER}). */
    public DatasetReader imageCheck(ImageCheck check) {
        return with(ReadOptions.builder().from(options).imageCheck(check).build());
    }

    /** Where the images are, when not in the dataset folder (a shared COCO folder, say). */
    public DatasetReader imageRoot(Path imageRoot) {
        return with(ReadOptions.builder().from(options).imageRoot(imageRoot).build());
    }

    /** One example per image or per caption for captioning datasets (default {@link CaptionExamples#BY_SPLIT}). */
    public DatasetReader captionExamples(CaptionExamples captionExamples) {
        return with(ReadOptions.builder().from(options).captionExamples(captionExamples).build());
    }

    /** What the format asks of a model: multiple choice, open VQA, captioning. */
    public TaskType taskType() {
        return provider.taskType();
    }

    /** Skip, count and log bad records instead of failing on the first one. */
    public DatasetReader lenient(boolean lenient) {
        return with(ReadOptions.builder().from(options).lenient(lenient).build());
    }

    /** Any options at once. */
    public DatasetReader options(ReadOptions newOptions) {
        return with(newOptions);
    }

    /** Opens the read: a closeable, once-iterable stream of examples with its {@link ReadReport}. */
    public DatasetStream open() {
        return provider.open(options);
    }

    /** The examples as a lazy stream; close it (try-with-resources) to release open files. */
    public Stream<MultimodalExample> read() {
        return open().stream();
    }

    /** All examples in a list: for small datasets and tests (a large dataset belongs in {@link #read()}). */
    public List<MultimodalExample> readAll() {
        List<MultimodalExample> all = new ArrayList<>();
        try (DatasetStream stream = open()) {
            stream.forEach(all::add);
        }
        return ImmutableList.copyOf(all);
    }

    private DatasetReader with(ReadOptions newOptions) {
        return new DatasetReader(provider, newOptions);
    }

    @Override
    public String toString() {
        return "DatasetReader[" + provider.name() + ", " + options + "]";
    }
}
