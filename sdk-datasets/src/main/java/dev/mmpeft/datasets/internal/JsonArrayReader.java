package dev.mmpeft.datasets.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.DatasetException;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Reads the records of a JSON list one at a time: the whole file when it is a list (A-OKVQA), or
 * the list under one top-level field ({@code data} of TextVQA and TextCaps, {@code images} of the
 * Karpathy split, {@code questions} and {@code annotations} of VQA). Only the current record is
 * ever a tree, so a release of any size reads in bounded memory.
 */
final class JsonArrayReader implements Closeable {
    /** One record: its position in the list, the line it starts on, its bytes and the parsed value. */
    record Element(int index, int line, long offset, int length, JsonNode node) {}

    /** Reads one record of the list; the list goes on after it, so tokens after the record are expected. */
    private static final ObjectReader RECORD_READER =
            Json.mapper().reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path file;
    private final String listName;
    private final InputStream in;
    private final JsonParser parser;
    private int index;
    private boolean done;

    private JsonArrayReader(Path file, String listName, InputStream in, JsonParser parser) {
        this.file = file;
        this.listName = listName;
        this.in = in;
        this.parser = parser;
    }

    /**
     * Opens {@code file} and moves to the start of its list: the top level when {@code field} is
     * null, else the value of top-level field {@code field}.
     *
     * @throws DatasetException naming the file when it is missing, not JSON, or has no such list
     */
    static JsonArrayReader open(Path file, @Nullable String field) {
        String listName = field == null ? "the top-level list" : "field '" + field + "'";
        InputStream in = null;
        try {
            in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            JsonParser p = Json.mapper().createParser(in);
            JsonToken t = p.nextToken();
            if (field == null) {
                if (t != JsonToken.START_ARRAY) {
                    throw new DatasetException(file, null, null, "expected a JSON list of records, found " + found(t)
                            + JsonObjectIndex.at(p.currentTokenLocation()));
                }
            } else {
                if (t != JsonToken.START_OBJECT) {
                    throw new DatasetException(file, null, null, "expected a JSON object with a list '" + field
                            + "', found " + found(t) + JsonObjectIndex.at(p.currentTokenLocation()));
                }
                boolean found = false;
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken v = p.nextToken();
                    if (name.equals(field)) {
                        if (v != JsonToken.START_ARRAY) {
                            throw new DatasetException(file, null, field, "expected a list of records, found " + found(v)
                                    + JsonObjectIndex.at(p.currentTokenLocation()));
                        }
                        found = true;
                        break;
                    }
                    p.skipChildren(); // fields before the list (dataset_name, info, license, ...)
                }
                if (!found) {
                    throw new DatasetException(file, null, field, "missing (expected the list of records under '"
                            + field + "')");
                }
            }
            return new JsonArrayReader(file, listName, in, p);
        } catch (NoSuchFileException e) {
            closeQuietly(in);
            throw new DatasetException(file, null, null, "file not found");
        } catch (JsonProcessingException e) {
            closeQuietly(in);
            throw new DatasetException(file, null, null,
                    "invalid JSON: " + JsonObjectIndex.clean(e.getOriginalMessage()) + JsonObjectIndex.at(e.getLocation()), e);
        } catch (IOException e) {
            closeQuietly(in);
            throw new DatasetException(file, null, null, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(in);
            throw e;
        }
    }

    Path file() {
        return file;
    }

    /**
     * The next record, or null at the end of the list. A record that is not an object is returned
     * as it is (the caller names it); broken JSON ends the read with an error naming line and column.
     */
    @Nullable Element next() {
        if (done) {
            return null;
        }
        try {
            JsonToken t = parser.nextToken();
            if (t == JsonToken.END_ARRAY || t == null) {
                done = true;
                if (t == null) {
                    throw new DatasetException(file, null, null, "the file ends inside " + listName + " (truncated?)");
                }
                return null;
            }
            JsonLocation start = parser.currentTokenLocation();
            JsonNode node = RECORD_READER.readTree(parser);
            long end = parser.currentTokenLocation().getByteOffset() + 1; // just past the record's last token
            long length = end - start.getByteOffset();
            int i = index++;
            return new Element(i, start.getLineNr(), start.getByteOffset(),
                    (int) Math.min(Integer.MAX_VALUE, Math.max(0, length)), node == null ? Json.mapper().nullNode() : node);
        } catch (JsonProcessingException e) {
            done = true;
            throw new DatasetException(file, "record " + index, null,
                    "invalid JSON: " + JsonObjectIndex.clean(e.getOriginalMessage()) + JsonObjectIndex.at(e.getLocation()), e);
        } catch (IOException e) {
            done = true;
            throw new DatasetException(file, "record " + index, null, "cannot read: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        done = true;
        try {
            parser.close();
        } finally {
            in.close();
        }
    }

    private static String found(@Nullable JsonToken t) {
        if (t == null) {
            return "an empty file";
        }
        return switch (t) {
            case START_ARRAY -> "a list";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.name();
        };
    }

    private static void closeQuietly(@Nullable InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // the error being reported matters more
            }
        }
    }
}
