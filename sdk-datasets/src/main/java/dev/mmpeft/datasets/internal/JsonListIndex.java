package dev.mmpeft.datasets.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.DatasetException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The records of a JSON list indexed by one of their fields (VQA annotations by {@code
 * question_id}): one streaming pass keeps where each record's bytes lie, then records are parsed
 * one at a time when asked for. Memory holds a few dozen bytes per record, never the records.
 */
final class JsonListIndex implements Closeable {
    private record Entry(long offset, int length, int index) {}

    private final Path file;
    private final String list;
    private final Map<String, Entry> entries;
    private @Nullable FileChannel channel;

    private JsonListIndex(Path file, String list, Map<String, Entry> entries) {
        this.file = file;
        this.list = list;
        this.entries = entries;
    }

    /**
     * Indexes the list under top-level field {@code field} of {@code file} by record field {@code key}.
     *
     * @throws DatasetException naming the file and record when a record lacks the key or repeats it
     */
    static JsonListIndex build(Path file, String field, String key) {
        Map<String, Entry> entries = new HashMap<>();
        try (JsonArrayReader reader = JsonArrayReader.open(file, field)) {
            JsonArrayReader.Element e;
            while ((e = reader.next()) != null) {
                String id = OpenLayouts.idOrNull(e.node(), key);
                if (id == null) {
                    RecordFields rec = new RecordFields(file, OpenLayouts.label(field, e.index(), null, null), e.node());
                    OpenLayouts.requireId(rec, key); // throws, naming what was found
                }
                Entry previous = entries.putIfAbsent(id, new Entry(e.offset(), e.length(), e.index()));
                if (previous != null) {
                    throw new DatasetException(file, OpenLayouts.label(field, e.index(), key, id), key,
                            "duplicate " + key + " " + id + " (first at " + field + "[" + previous.index() + "])");
                }
            }
        } catch (IOException ex) {
            throw new DatasetException(file, null, null, "cannot close: " + ex.getMessage(), ex);
        }
        return new JsonListIndex(file, field, entries);
    }

    Path file() {
        return file;
    }

    /** The record whose key is {@code id}, or null when there is none. */
    @Nullable RecordFields read(String id, String key) {
        Entry e = entries.get(id);
        if (e == null) {
            return null;
        }
        String record = OpenLayouts.label(list, e.index(), key, id);
        byte[] bytes = new byte[e.length()];
        try {
            FileChannel ch = channel;
            if (ch == null) {
                ch = FileChannel.open(file, StandardOpenOption.READ);
                channel = ch;
            }
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            long pos = e.offset();
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos);
                if (n < 0) {
                    throw new DatasetException(file, record, null, "file changed while reading (truncated)");
                }
                pos += n;
            }
            JsonNode node = Json.mapper().readTree(bytes);
            return new RecordFields(file, record, node);
        } catch (JsonProcessingException ex) {
            throw new DatasetException(file, record, null, "file changed while reading: " + ex.getOriginalMessage(), ex);
        } catch (IOException ex) {
            throw new DatasetException(file, record, null, "cannot read: " + ex.getMessage(), ex);
        }
    }

    @Override
    public void close() throws IOException {
        FileChannel ch = channel;
        channel = null;
        if (ch != null) {
            ch.close();
        }
    }
}
