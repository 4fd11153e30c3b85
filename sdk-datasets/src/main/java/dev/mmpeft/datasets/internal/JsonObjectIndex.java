package dev.mmpeft.datasets.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.DatasetException;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An index of a JSON file whose top level is an object keyed by id ({@code problems.json}): one
 * streaming pass records where each record's bytes start and end, then records are parsed one at
 * a time on demand. Memory holds the index (a few dozen bytes per record), never the whole file
 * as a tree, so the full ScienceQA and IconQA releases read with bounded memory.
 */
public final class JsonObjectIndex implements Closeable {
    /** Where one record's value lies in the file. */
    record Entry(long offset, int length, int line, @Nullable String badType) {}

    private final Path file;
    private final String keyName;
    private final Map<String, Entry> entries;
    private @Nullable FileChannel channel;

    private JsonObjectIndex(Path file, String keyName, Map<String, Entry> entries) {
        this.file = file;
        this.keyName = keyName;
        this.entries = entries;
    }

    /**
     * Indexes {@code file}; {@code keyName} names the keys in messages ({@code pid}).
     *
     * @throws DatasetException naming the file, line and column when it is not a JSON object of
     *     records, or a key repeats
     */
    public static JsonObjectIndex build(Path file, String keyName) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
                JsonParser p = Json.mapper().createParser(in)) {
            p.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION); // reported below with both lines
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                throw new DatasetException(file, null, null, "expected a JSON object keyed by " + keyName + ", found "
                        + (t == null ? "an empty file" : t.asString() == null ? t.name() : "'" + t.asString() + "'")
                        + at(p.currentTokenLocation()));
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken v = p.nextToken();
                JsonLocation start = p.currentTokenLocation();
                int line = start.getLineNr();
                Entry entry;
                if (v == JsonToken.START_OBJECT) {
                    p.skipChildren();
                    long end = p.currentTokenLocation().getByteOffset() + 1;
                    long len = end - start.getByteOffset();
                    if (len > Integer.MAX_VALUE) {
                        throw new DatasetException(file, keyName + " " + key, null, "record is larger than 2 GiB");
                    }
                    entry = new Entry(start.getByteOffset(), (int) len, line, null);
                } else {
                    p.skipChildren();
                    entry = new Entry(-1, 0, line, v == null ? "nothing" : typeOf(v));
                }
                Entry previous = entries.putIfAbsent(key, entry);
                if (previous != null) {
                    throw new DatasetException(file, keyName + " " + key, null,
                            "duplicate " + keyName + " at line " + line + " (first at line " + previous.line() + ")");
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new DatasetException(file, null, null, "malformed JSON" + at(p.currentTokenLocation()));
            }
            if (p.nextToken() != null) {
                throw new DatasetException(file, null, null, "unexpected content after the top-level object"
                        + at(p.currentTokenLocation()));
            }
        } catch (NoSuchFileException e) {
            throw new DatasetException(file, null, null, "file not found");
        } catch (JsonProcessingException e) {
            throw new DatasetException(file, null, null, "invalid JSON: " + clean(e.getOriginalMessage()) + at(e.getLocation()), e);
        } catch (IOException e) {
            throw new DatasetException(file, null, null, "cannot read: " + e.getMessage(), e);
        }
        return new JsonObjectIndex(file, keyName, entries);
    }

    /** The file indexed. */
    public Path file() {
        return file;
    }

    /** The keys in file order. */
    public Set<String> keys() {
        return entries.keySet();
    }

    /** How many records the file holds. */
    public int size() {
        return entries.size();
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    /** The line a record starts on, if the key exists. */
    public Optional<Integer> line(String key) {
        Entry e = entries.get(key);
        return e == null ? Optional.empty() : Optional.of(e.line());
    }

    /**
     * Parses the record of {@code key}.
     *
     * @throws DatasetException naming file, key and line when it is absent, not an object or malformed
     */
    public JsonNode read(String key) {
        Entry e = entries.get(key);
        String record = keyName + " " + key;
        if (e == null) {
            throw new DatasetException(file, record, null, "no such record in " + file.getFileName());
        }
        if (e.badType() != null) {
            throw new DatasetException(file, record, null,
                    "expected a JSON object at line " + e.line() + ", found " + e.badType());
        }
        byte[] bytes = new byte[e.length()];
        try {
            FileChannel ch = channel();
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            long pos = e.offset();
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos);
                if (n < 0) {
                    throw new DatasetException(file, record, null, "file changed while reading (truncated)");
                }
                pos += n;
            }
        } catch (IOException ex) {
            throw new DatasetException(file, record, null, "cannot read: " + ex.getMessage(), ex);
        }
        try {
            return Json.mapper().readTree(bytes);
        } catch (JsonProcessingException ex) {
            JsonLocation loc = ex.getLocation();
            String where = loc == null ? "" : " (line " + (e.line() + loc.getLineNr() - 1) + ")";
            throw new DatasetException(file, record, null, "invalid JSON: " + clean(ex.getOriginalMessage()) + where, ex);
        } catch (IOException ex) {
            throw new DatasetException(file, record, null, "cannot parse: " + ex.getMessage(), ex);
        }
    }

    private FileChannel channel() throws IOException {
        FileChannel ch = channel;
        if (ch == null) {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            channel = ch;
        }
        return ch;
    }

    @Override
    public void close() throws IOException {
        FileChannel ch = channel;
        channel = null;
        if (ch != null) {
            ch.close();
        }
    }

    private static String typeOf(JsonToken t) {
        switch (t) {
            case START_ARRAY:
                return "a list";
            case VALUE_STRING:
                return "a string";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "a number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a boolean";
            case VALUE_NULL:
                return "null";
            default:
                return t.name();
        }
    }

    /** Jackson's message without the source description it adds (which says nothing here). */
    static String clean(@Nullable String message) {
        if (message == null) {
            return "";
        }
        return message.replaceAll("\\[Source: [^;\\]]*; ", "[").replace(" (start marker at [line", " (opened at [line");
    }

    static String at(@Nullable JsonLocation loc) {
        return loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }
}
