package dev.mmpeft.datasets.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import dev.mmpeft.datasets.DatasetException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Typed access to the fields of one JSON record, where every error names the file, the record
 * ({@code pid 12}, {@code line 7}) and the field, what was found and what was expected.
 */
public final class RecordFields {
    private final Path file;
    private final String record;
    private final JsonNode node;

    public RecordFields(Path file, String record, JsonNode node) {
        this.file = file;
        this.record = record;
        if (!node.isObject()) {
            throw new DatasetException(file, record, null, "expected a JSON object, found " + describe(node));
        }
        this.node = node;
    }

    public Path file() {
        return file;
    }

    public String record() {
        return record;
    }

    public JsonNode node() {
        return node;
    }

    /** An error about {@code field} of this record. */
    public DatasetException error(@Nullable String field, String problem) {
        return new DatasetException(file, record, field, problem);
    }

    public boolean has(String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    /** A required string field. */
    public String requireString(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw error(field, "missing (expected a string)");
        }
        if (!v.isTextual()) {
            throw error(field, "expected a string, found " + describe(v));
        }
        return v.textValue();
    }

    /** An optional string field: absent or null gives empty. */
    public Optional<String> optString(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw error(field, "expected a string or null, found " + describe(v));
        }
        return Optional.of(v.textValue());
    }

    /** A required list of strings with at least {@code min} entries. */
    public List<String> requireStringList(String field, int min) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw error(field, "missing (expected a list of strings)");
        }
        return stringList(field, v, min);
    }

    /** An optional list of strings (absent or null gives an empty list). */
    public List<String> optStringList(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        return stringList(field, v, 0);
    }

    private List<String> stringList(String field, JsonNode v, int min) {
        if (!v.isArray()) {
            throw error(field, "expected a list of strings, found " + describe(v));
        }
        ImmutableList.Builder<String> out = ImmutableList.builder();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual()) {
                throw error(field + "[" + i + "]", "expected a string, found " + describe(e));
            }
            out.add(e.textValue());
        }
        List<String> list = out.build();
        if (list.size() < min) {
            throw error(field, "has " + list.size() + " entries, expected at least " + min);
        }
        return list;
    }

    /** A required answer index into {@code choices}: an integer in 0..n-1. */
    public int requireAnswerIndex(String field, int choices) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw error(field, "missing (expected an answer index 0.." + (choices - 1) + ")");
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw error(field, "expected an integer answer index 0.." + (choices - 1) + ", found " + describe(v));
        }
        int a = v.intValue();
        if (a < 0 || a >= choices) {
            throw error(field, "answer index " + a + " is out of range for " + choices + " choices (expected 0.."
                    + (choices - 1) + ")");
        }
        return a;
    }

    /** Every scalar field not in {@code except}, as text (numbers and booleans as JSON writes them). */
    public void scalarsInto(Map<String, String> out, java.util.Set<String> except) {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (except.contains(e.getKey())) {
                continue;
            }
            JsonNode v = e.getValue();
            if (v.isTextual()) {
                out.put(e.getKey(), v.textValue());
            } else if (v.isNumber() || v.isBoolean()) {
                out.put(e.getKey(), v.asText());
            }
        }
    }

    /** A short description of a JSON value for messages: its type and a clipped rendering. */
    public static String describe(JsonNode v) {
        String type = v.isTextual() ? "string" : v.isIntegralNumber() ? "integer" : v.isNumber() ? "number"
                : v.isBoolean() ? "boolean" : v.isArray() ? "list" : v.isObject() ? "object" : v.isNull() ? "null"
                : v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        String text = v.toString();
        if (text.length() > 40) {
            text = text.substring(0, 37) + "...";
        }
        return type + " " + text;
    }
}
