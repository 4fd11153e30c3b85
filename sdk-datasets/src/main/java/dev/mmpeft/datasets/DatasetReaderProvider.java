package dev.mmpeft.datasets;

import dev.mmpeft.core.spi.NamedProvider;
import java.util.List;

/**
 * The extension point for dataset formats, found through {@link java.util.ServiceLoader}: list an
 * implementation in {@code META-INF/services/dev.mmpeft.datasets.DatasetReaderProvider} and
 * {@link DatasetReaders#forFormat(String)} finds it by {@link #name()}.
 *
 * <p>Built in: {@code scienceqa}, {@code iconqa}, {@code jsonl}, {@code flickr30k}, {@code textcaps},
 * {@code okvqa}, {@code aokvqa}, {@code textvqa}. A provider reads lazily
 * (records one at a time, so memory stays bounded) and builds its stream with {@link
 * DatasetStream#of}, which applies the options' lenient mode, missing-image policy and filters.
 */
public interface DatasetReaderProvider extends NamedProvider {
    /** The format name users type ({@code scienceqa}); lower case; a higher {@link #rank()} replaces a built-in. */
    @Override
    String name();

    /** One line for listings and help. */
    String description();

    /** Sub-tasks this format can select (empty when it has none). */
    default List<String> subtasks() {
        return List.of();
    }

    /** The metadata field that names an example's sub-task (for counts), if the format has one. */
    default String subtaskField() {
        return "";
    }

    /**
     * What the format asks of a model, so a pipeline picks candidate scoring or generation and
     * the evaluator (registered under the format's name) without looking at the examples.
     */
    default TaskType taskType() {
        return TaskType.PER_EXAMPLE;
    }

    /**
     * Opens a lazy read of the dataset {@code options} describe.
     *
     * @throws DatasetException when the dataset itself cannot be read (missing root, malformed
     *     index files, an unknown split); bad single records surface while iterating
     */
    DatasetStream open(ReadOptions options);
}
