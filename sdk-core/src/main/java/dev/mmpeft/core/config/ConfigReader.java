package dev.mmpeft.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Typed access to one JSON object of a config file, with the file and the field path in every
 * error. Absent or {@code null} fields take the caller's default (Hugging Face's default for that
 * field); unknown fields are ignored, as transformers ignores them.
 */
final class ConfigReader {
    private final String source;
    private final String path;
    private final JsonNode node;

    ConfigReader(String source, String path, JsonNode node) {
        this.source = source;
        this.path = path;
        this.node = node;
        if (!node.isObject()) {
            throw new ConfigException(source + ": " + (path.isEmpty() ? "config" : "field '" + path + "'") + " must be a JSON object, found " + node.getNodeType());
        }
    }

    String source() {
        return source;
    }

    /** The field path of this object in its file ({@code ""} for the root, else e.g. {@code text_config}). */
    String path() {
        return path;
    }

    JsonNode node() {
        return node;
    }

    private String field(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private Optional<JsonNode> get(String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
    }

    boolean has(String name) {
        return get(name).isPresent();
    }

    private ConfigException wrongType(String name, String expected, JsonNode found) {
        return new ConfigException(source + ": field '" + field(name) + "' must be " + expected + ", found " + clip(found));
    }

    /** A found value for a message: a 100 kB string would drown the message. */
    static String clip(JsonNode found) {
        String text = found.toString();
        return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }

    /** An error about one field of this object, naming the file and the field path. */
    ConfigException invalid(String name, String problem) {
        return new ConfigException(source + ": field '" + field(name) + "' " + problem);
    }

    private ConfigException missing(String name) {
        return new ConfigException(source + ": required field '" + field(name) + "' is missing");
    }

    Optional<Integer> optInt(String name) {
        return get(name).map(v -> {
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw wrongType(name, "an integer", v);
            }
            return v.intValue();
        });
    }

    int intOr(String name, int fallback) {
        return optInt(name).orElse(fallback);
    }

    Optional<Double> optDouble(String name) {
        return get(name).map(v -> {
            if (!v.isNumber()) {
                throw wrongType(name, "a number", v);
            }
            // 1e309 parses as infinity, which no config means and which cannot be written back as JSON
            if (!Double.isFinite(v.doubleValue())) {
                throw invalid(name, "must be a finite number, found " + v.asText() + " (beyond the range of a double)");
            }
            return v.doubleValue();
        });
    }

    Optional<Boolean> optBoolean(String name) {
        return get(name).map(v -> {
            if (!v.isBoolean()) {
                throw wrongType(name, "true or false", v);
            }
            return v.booleanValue();
        });
    }

    Optional<String> optString(String name) {
        return get(name).map(v -> {
            if (!v.isTextual()) {
                throw wrongType(name, "a string", v);
            }
            int bad = loneSurrogateAt(v.textValue());
            if (bad >= 0) {
                // such text is no Unicode: it cannot name anything, nor be written back as UTF-8
                throw invalid(name, String.format("must be valid Unicode text, found a lone surrogate \\u%04x at character %d",
                        (int) v.textValue().charAt(bad), bad));
            }
            return v.asText();
        });
    }

    /** The index of the first unpaired surrogate in {@code s}, or -1 when it is well-formed UTF-16. */
    static int loneSurrogateAt(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    String requireString(String name) {
        return optString(name).orElseThrow(() -> missing(name));
    }

    /** A token id that transformers allows as an int or a list of ints (first one taken). */
    Optional<Integer> optTokenId(String name) {
        return get(name).map(v -> {
            if (v.isArray() && v.size() > 0 && v.get(0).canConvertToInt()) {
                return v.get(0).intValue();
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw wrongType(name, "a token id", v);
            }
            return v.intValue();
        });
    }

    Optional<ConfigReader> optObject(String name) {
        return get(name).map(v -> new ConfigReader(source, field(name), v));
    }

    ConfigReader requireObject(String name) {
        return optObject(name).orElseThrow(() -> missing(name));
    }
}
