package dev.mmpeft.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Mutations of JSON documents for fuzz tests. Structural ones parse the document, pick one value
 * anywhere in it and replace it (with {@code null}, {@code {}}, {@code []}, {@code ""}, numbers
 * past every limit, negative numbers, lone surrogates, NUL, very long strings, deep nesting, or a
 * near miss of the same type), delete it, duplicate its key or rename its key; textual ones
 * truncate, flip bytes, insert or delete characters. Each records what it did in the
 * {@link Mutation}, and, when it gave one field a value of another kind or deleted it, names that
 * field as the one a typed error must mention.
 */
public final class JsonMutations {
    private static final ObjectMapper LENIENT = new ObjectMapper();

    /** Replacement values, as JSON text: the classic edge cases of every JSON reader. */
    private static final List<String> EDGE_VALUES = List.of(
            "null", "{}", "[]", "\"\"", "\" \"", "true", "false",
            "1e309", "-1e309", "1e-400", "-0.0", "0.5", "NaN", "Infinity",
            "9223372036854775808", "-9223372036854775809", "18446744073709551616", "2147483648", "-2147483649",
            "-1", "0", "1", "-7",
            "\"\\ud800\"", "\"a\\udfffb\"", "\"\\u0000\"", "\"\\ud800/x\"", "\"../../x\"", "\"/etc/passwd\"", "\"8\"",
            "[null]", "[1,2,3]", "[\"a\",\"b\"]", "{\"a\":null}", "[[]]");

    private static final String[] INSERTS = {
        "{", "}", "[", "]", ",", ":", "\"", "\\", " ", "null", "\"x\":{}", "\u00e9", "\u0000", "\n", "\\u", "\\ud800", "1e999"
    };

    private JsonMutations() {}

    /** One mutation of {@code json}: structural four times out of five when it parses, else textual. */
    public static String mutate(String json, Random r, Mutation m) {
        if (r.nextInt(5) > 0) {
            JsonNode root = parse(json);
            if (root != null) {
                return structural(root, r, m);
            }
        }
        return textual(json, r, m);
    }

    /** The document as a tree, or null when it is not lenient-parseable JSON. */
    public static JsonNode parse(String json) {
        try {
            return LENIENT.readTree(json);
        } catch (Exception e) {
            return null;
        }
    }

    /** One structural edit of a parsed document, rendered back to text. */
    public static String structural(JsonNode root, Random r, Mutation m) {
        List<List<Object>> paths = new ArrayList<>();
        collect(root, new ArrayList<>(), paths);
        List<Object> path = paths.get(r.nextInt(paths.size()));
        JsonNode target = at(root, path);
        String key = lastKey(path);
        int op = path.isEmpty() ? 0 : r.nextInt(10);
        switch (op) {
            case 7: {
                m.describe("delete " + show(path));
                if (key != null) {
                    m.touched(key);
                }
                return render(root, path, Edit.DELETE, "");
            }
            case 8: {
                m.describe("duplicate " + show(path));
                return render(root, path, Edit.DUPLICATE, "");
            }
            case 9: {
                if (path.get(path.size() - 1) instanceof String) {
                    String name = r.nextBoolean() ? withLoneSurrogate(quote(key)) : pick(r, List.of("\"\"", "\"__x\"", quote(key.toUpperCase())));
                    m.describe("rename " + show(path) + " to " + name);
                    return render(root, path, Edit.RENAME, name);
                }
                // an array element has no key: replace it instead
            }
            // fall through
            default: {
                String value = op < 4 ? edgeValue(r) : nearMiss(target, root, r);
                m.describe("replace " + show(path) + " (" + clip(target.toString()) + ") with " + clip(value));
                String out = render(root, path, Edit.REPLACE, value);
                // a value no JSON parser takes (NaN, nesting past the limit) is a syntax error, not a field's
                if (key != null && !kind(target).equals(kind(value)) && parse(out) != null) {
                    m.touched(key);
                }
                return out;
            }
        }
    }

    /** One textual edit: truncation, byte flips, an inserted token or a deleted character. */
    public static String textual(String json, Random r, Mutation m) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        switch (r.nextInt(4)) {
            case 0: {
                int at = r.nextInt(Math.max(1, bytes.length));
                m.describe("truncate to " + at + " bytes");
                return new String(bytes, 0, at, StandardCharsets.UTF_8);
            }
            case 1: {
                int flips = 1 + r.nextInt(6);
                m.describe("flip " + flips + " bytes");
                for (int k = 0; k < flips && bytes.length > 0; k++) {
                    bytes[r.nextInt(bytes.length)] = (byte) r.nextInt(256);
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
            case 2: {
                int at = r.nextInt(json.length() + 1);
                String insert = INSERTS[r.nextInt(INSERTS.length)];
                m.describe("insert '" + insert + "' at char " + at);
                return json.substring(0, at) + insert + json.substring(at);
            }
            default: {
                if (json.isEmpty()) {
                    return json;
                }
                int at = r.nextInt(json.length());
                m.describe("delete char " + at);
                return json.substring(0, at) + json.substring(at + 1);
            }
        }
    }

    /** A value from the edge cases, or a very long string, or very deep nesting. */
    public static String edgeValue(Random r) {
        int k = r.nextInt(EDGE_VALUES.size() + 2);
        if (k == EDGE_VALUES.size()) {
            return "\"" + "x".repeat(50_000 + r.nextInt(50_000)) + "\"";
        }
        if (k == EDGE_VALUES.size() + 1) {
            int depth = 200 + r.nextInt(2000);
            return "[".repeat(depth) + "]".repeat(depth);
        }
        return EDGE_VALUES.get(k);
    }

    /** A value of the same kind as {@code v} but wrong in a way a reader must check. */
    private static String nearMiss(JsonNode v, JsonNode root, Random r) {
        if (v.isIntegralNumber()) {
            long x = v.asLong();
            long[] options = {-x, x + 1, x - 1, x * 1024, 0, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MIN_VALUE, Long.MAX_VALUE};
            return Long.toString(options[r.nextInt(options.length)]);
        }
        if (v.isNumber()) {
            double[] options = {-v.asDouble(), 0.0, v.asDouble() * 1e300, Double.MIN_VALUE, 1.0};
            return Double.toString(options[r.nextInt(options.length)]);
        }
        if (v.isTextual()) {
            String s = v.textValue();
            List<String> options = List.of(
                    withLoneSurrogate(quote(s)),
                    quote(s.substring(0, s.length() / 2)),
                    quote(s.toUpperCase()),
                    quote(s + "/.."),
                    quote("../" + s),
                    quote(s + " "),
                    quote(anyText(root, r)));
            return options.get(r.nextInt(options.size()));
        }
        if (v.isArray() && v.size() > 0) {
            // the same list with one element dropped or repeated
            List<String> items = new ArrayList<>();
            v.forEach(e -> items.add(text(e)));
            int i = r.nextInt(items.size());
            if (r.nextBoolean()) {
                items.remove(i);
            } else {
                items.add(i, items.get(i));
            }
            return "[" + String.join(",", items) + "]";
        }
        return edgeValue(r);
    }

    private static String anyText(JsonNode root, Random r) {
        List<String> texts = new ArrayList<>();
        collectText(root, texts);
        return texts.isEmpty() ? "" : texts.get(r.nextInt(texts.size()));
    }

    private static void collectText(JsonNode n, List<String> out) {
        if (n.isTextual()) {
            out.add(n.textValue());
        }
        n.forEach(c -> collectText(c, out));
    }

    private enum Edit {
        REPLACE,
        DELETE,
        DUPLICATE,
        RENAME
    }

    /** Compact JSON text of a tree, strings escaped as {@link #quote} does. */
    public static String text(JsonNode n) {
        StringBuilder out = new StringBuilder();
        write(n, new ArrayList<>(), List.of(NOWHERE), Edit.REPLACE, "", out);
        return out.toString();
    }

    /** A path step no document has: the target of an edit that edits nothing. */
    private static final Object NOWHERE = new Object();

    /** Renders the tree as compact JSON with the one edit applied at {@code target}. */
    private static String render(JsonNode root, List<Object> target, Edit edit, String raw) {
        if (target.isEmpty()) {
            return raw;
        }
        StringBuilder out = new StringBuilder();
        write(root, new ArrayList<>(), target, edit, raw, out);
        return out.toString();
    }

    private static void write(JsonNode n, List<Object> path, List<Object> target, Edit edit, String raw, StringBuilder out) {
        if (n.isObject()) {
            out.append('{');
            boolean first = true;
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                path.add(e.getKey());
                boolean hit = path.equals(target);
                int times = hit && edit == Edit.DELETE ? 0 : hit && edit == Edit.DUPLICATE ? 2 : 1;
                for (int t = 0; t < times; t++) {
                    out.append(first ? "" : ",");
                    first = false;
                    out.append(hit && edit == Edit.RENAME ? raw : quote(e.getKey())).append(':');
                    if (hit && edit == Edit.REPLACE) {
                        out.append(raw);
                    } else {
                        write(e.getValue(), path, target, edit, raw, out);
                    }
                }
                path.remove(path.size() - 1);
            }
            out.append('}');
        } else if (n.isArray()) {
            out.append('[');
            boolean first = true;
            for (int i = 0; i < n.size(); i++) {
                path.add(i);
                boolean hit = path.equals(target);
                int times = hit && edit == Edit.DELETE ? 0 : hit && edit == Edit.DUPLICATE ? 2 : 1;
                for (int t = 0; t < times; t++) {
                    out.append(first ? "" : ",");
                    first = false;
                    if (hit && (edit == Edit.REPLACE || edit == Edit.RENAME)) {
                        out.append(raw);
                    } else {
                        write(n.get(i), path, target, edit, raw, out);
                    }
                }
                path.remove(path.size() - 1);
            }
            out.append(']');
        } else if (n.isTextual()) {
            out.append(quote(n.textValue()));
        } else if (n.isNumber()) {
            // Jackson's toString() of a node builds a serializer each time: most of a case's time
            out.append(n.numberValue());
        } else if (n.isBoolean()) {
            out.append(n.booleanValue());
        } else {
            out.append("null");
        }
    }

    private static void collect(JsonNode n, List<Object> path, List<List<Object>> out) {
        out.add(List.copyOf(path));
        if (n.isObject()) {
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                path.add(k);
                collect(n.get(k), path, out);
                path.remove(path.size() - 1);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                path.add(i);
                collect(n.get(i), path, out);
                path.remove(path.size() - 1);
            }
        }
    }

    private static JsonNode at(JsonNode root, List<Object> path) {
        JsonNode n = root;
        for (Object step : path) {
            n = step instanceof String s ? n.get(s) : n.get((Integer) step);
        }
        return n;
    }

    /** The last object key on the path: the field a reader would name ({@code choices} for {@code choices[1]}). */
    private static String lastKey(List<Object> path) {
        for (int i = path.size() - 1; i >= 0; i--) {
            if (path.get(i) instanceof String s) {
                return s;
            }
        }
        return null;
    }

    /** The JSON kind of a node or of JSON text: null, boolean, integer, number, string, list, object. */
    static String kind(JsonNode n) {
        return n.isNull() ? "null" : n.isBoolean() ? "boolean" : n.isIntegralNumber() ? "integer" : n.isNumber() ? "number"
                : n.isTextual() ? "string" : n.isArray() ? "list" : "object";
    }

    static String kind(String raw) {
        char c = raw.isEmpty() ? ' ' : raw.charAt(0);
        switch (c) {
            case 'n':
                return "null";
            case 't':
            case 'f':
                return "boolean";
            case '"':
                return "string";
            case '[':
                return "list";
            case '{':
                return "object";
            default:
                return raw.matches("-?[0-9]+") ? "integer" : "number";
        }
    }

    /** A path as {@code $.a.b[2]}. */
    public static String show(List<Object> path) {
        StringBuilder sb = new StringBuilder("$");
        for (Object step : path) {
            sb.append(step instanceof String ? "." + step : "[" + step + "]");
        }
        return sb.toString();
    }

    /**
     * JSON text of a string, every character outside printable ASCII escaped: a lone surrogate
     * stays one in the document (written raw it could not even be encoded as UTF-8).
     */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /** A quoted JSON string with the escape of a lone high surrogate before its closing quote. */
    private static String withLoneSurrogate(String quoted) {
        return quoted.substring(0, quoted.length() - 1) + "\\ud800\"";
    }

    private static String clip(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    private static <T> T pick(Random r, List<T> options) {
        return options.get(r.nextInt(options.size()));
    }
}
