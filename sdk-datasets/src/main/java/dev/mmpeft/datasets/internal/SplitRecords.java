package dev.mmpeft.datasets.internal;

import com.google.common.collect.AbstractIterator;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.datasets.DatasetException;
import dev.mmpeft.datasets.DatasetStream;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The records of one or more split files read in turn, each file opened only when the previous
 * one is done, each record turned into zero or more examples (a captioning image gives one per
 * caption for training). A record's error is handed out as a loader that throws it, so {@link
 * DatasetStream} can fail on it or, in lenient mode, skip and count it like any other bad record.
 */
final class SplitRecords extends AbstractIterator<DatasetStream.RecordLoader> implements Closeable {
    /** One split's open file and how its records become examples. */
    interface Source extends Closeable {
        JsonArrayReader reader();

        /**
         * The examples of one record: empty for none (a caption of an image already read), null
         * when the read's options leave the record out (another split: counted as filtered).
         */
        @Nullable List<MultimodalExample> examples(JsonArrayReader.Element element);

        /** Examples still held when the list ends (records a format groups, such as one image's captions). */
        default List<MultimodalExample> finish() {
            return List.of();
        }
    }

    /** Opens the source of a split. */
    interface Opener {
        Source open(String split);
    }

    private final Iterator<String> splits;
    private final Opener opener;
    private @Nullable Source current;
    private final Deque<DatasetStream.RecordLoader> pending = new ArrayDeque<>();

    SplitRecords(List<String> splits, Opener opener) {
        this.splits = List.copyOf(splits).iterator();
        this.opener = opener;
    }

    @Override
    protected DatasetStream.@Nullable RecordLoader computeNext() {
        while (pending.isEmpty()) {
            if (current == null) {
                if (!splits.hasNext()) {
                    return endOfData();
                }
                current = opener.open(splits.next());
            }
            JsonArrayReader.Element e = current.reader().next();
            if (e == null) {
                Source done = current;
                try {
                    for (MultimodalExample ex : done.finish()) {
                        pending.add(() -> ex);
                    }
                } catch (DatasetException bad) {
                    pending.add(() -> {
                        throw bad;
                    });
                }
                closeCurrent();
                continue;
            }
            try {
                List<MultimodalExample> examples = current.examples(e);
                if (examples == null) {
                    pending.add(() -> null);
                } else {
                    for (MultimodalExample ex : examples) {
                        pending.add(() -> ex);
                    }
                }
            } catch (DatasetException bad) {
                pending.add(() -> {
                    throw bad;
                });
            }
        }
        return pending.poll();
    }

    private void closeCurrent() {
        Source s = current;
        current = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                throw new DatasetException(s.reader().file(), null, null, "cannot close: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        Source s = current;
        current = null;
        if (s != null) {
            s.close();
        }
    }
}
