package dev.mmpeft.datasets;

import com.google.common.collect.AbstractIterator;
import dev.mmpeft.core.MultimodalExample;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * The examples of one read, produced lazily record by record so memory stays bounded however
 * large the dataset, plus the {@link ReadReport} of what was skipped or left out.
 *
 * <p>Iterate it once (for-each or {@link #stream()}) and close it (try-with-resources) to release
 * open files; it also closes itself when exhausted. Bad records either stop the iteration with a
 * {@link DatasetException} or, in lenient mode, are skipped and counted in {@link #report()}.
 */
public final class DatasetStream implements Iterable<MultimodalExample>, AutoCloseable {
    /**
     * Loads one record: returns the example, returns {@code null} when the read's options leave
     * the record out (counted as filtered), or throws a {@link DatasetException} naming the culprit.
     */
    @FunctionalInterface
    public interface RecordLoader {
        @Nullable MultimodalExample load();
    }

    private final ReadOptions options;
    private final ReadReport report;
    private final Iterator<RecordLoader> loaders;
    private final Closeable resources;
    private boolean iterated;
    private boolean closed;

    private DatasetStream(ReadOptions options, ReadReport report, Iterator<RecordLoader> loaders, Closeable resources) {
        this.options = options;
        this.report = report;
        this.loaders = loaders;
        this.resources = resources;
    }

    /**
     * A stream over {@code loaders} (for {@link DatasetReaderProvider} implementations): applies the
     * options' lenient mode, missing-image policy and {@code imagesOnly} filter, and counts
     * everything in {@code report}. {@code resources} are closed when the stream is closed or
     * exhausted.
     */
    public static DatasetStream of(
            ReadOptions options, ReadReport report, Iterator<RecordLoader> loaders, Closeable resources) {
        return new DatasetStream(options, report, loaders, resources);
    }

    /** What this read has skipped, left out and kept so far. */
    public ReadReport report() {
        return report;
    }

    /** The examples, once. */
    @Override
    public Iterator<MultimodalExample> iterator() {
        if (iterated) {
            throw new IllegalStateException("a DatasetStream can be iterated only once; read the dataset again");
        }
        iterated = true;
        return new AbstractIterator<>() {
            @Override
            protected @Nullable MultimodalExample computeNext() {
                try {
                    while (!closed && loaders.hasNext()) {
                        MultimodalExample example = loadOne(loaders.next());
                        if (example != null) {
                            report.countExample();
                            return example;
                        }
                    }
                } catch (RuntimeException e) {
                    close(); // a failed read releases its files at once
                    throw e;
                }
                close();
                return endOfData();
            }
        };
    }

    /** The examples as a sequential stream, once; closing the stream closes this. */
    public Stream<MultimodalExample> stream() {
        Spliterator<MultimodalExample> split = Spliterators.spliteratorUnknownSize(
                iterator(), Spliterator.ORDERED | Spliterator.NONNULL);
        return StreamSupport.stream(split, false).onClose(this::close);
    }

    private @Nullable MultimodalExample loadOne(RecordLoader loader) {
        MultimodalExample example;
        try {
            example = loader.load();
        } catch (MissingImageException e) {
            if (options.missingImages() == MissingImages.SKIP || options.lenient()) {
                report.skip(e);
                return null;
            }
            close();
            throw e;
        } catch (DatasetException e) {
            if (options.lenient()) {
                report.skip(e);
                return null;
            }
            close();
            throw e;
        }
        if (example == null || (options.imagesOnly() && example.images().isEmpty())) {
            report.countFiltered();
            return null;
        }
        return example;
    }

    /** Releases open files; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        report.logSummary();
        try {
            resources.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
