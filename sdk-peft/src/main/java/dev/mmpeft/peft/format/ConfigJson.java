package dev.mmpeft.peft.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mmpeft.peft.PeftException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reading and writing the values of an {@code adapter_config.json} the way Python's {@code json}
 * and PEFT do, for every method's format entry: typed reads whose errors name the file, the key and
 * the value found, and numbers written as Python writes them (integral floats as integers).
 */
public final class ConfigJson {
    private ConfigJson() {}

    /** A string value, absent when missing or null. */
    public static Optional<String> text(JsonNode root, String key, String source) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            throw new PeftException(source + ": " + key + " must be a string, got " + n);
        }
        return Optional.of(n.textValue());
    }

    /** A number, absent when missing or null. */
    public static Optional<Double> number(JsonNode root, String key, String source) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isNumber()) {
            throw new PeftException(source + ": " + key + " must be a number, got " + n);
        }
        return Optional.of(n.doubleValue());
    }

    /** An integer, absent when missing or null. */
    public static Optional<Integer> integer(JsonNode root, String key, String source) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new PeftException(source + ": " + key + " must be an integer, got " + n);
        }
        return Optional.of(n.intValue());
    }

    /** A boolean, absent when missing or null. */
    public static Optional<Boolean> bool(JsonNode root, String key, String source) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isBoolean()) {
            throw new PeftException(source + ": " + key + " must be true or false, got " + n);
        }
        return Optional.of(n.booleanValue());
    }

    /** A list of strings, sorted (PEFT keeps target and save lists as sets: file order carries no meaning). */
    public static List<String> stringList(JsonNode n, String key, String source) {
        if (!n.isArray()) {
            throw new PeftException(source + ": " + key + " must be a list of strings or a string, got " + n);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw new PeftException(source + ": " + key + " must hold strings, got " + e);
            }
            out.add(e.textValue());
        }
        out.sort(null);
        return out;
    }

    /** The fields of an object value, in file order. */
    public static Map<String, JsonNode> fields(JsonNode n, String key, String source) {
        if (!n.isObject()) {
            throw new PeftException(source + ": " + key + " must be an object, got " + n);
        }
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /** A number as Python's json writes a float that PEFT holds: integral values without a fraction. */
    public static JsonNode number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15
                ? JsonNodeFactory.instance.numberNode((long) v)
                : JsonNodeFactory.instance.numberNode(v);
    }

    /** A JSON list of strings. */
    public static ArrayNode strings(List<String> values) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        values.forEach(a::add);
        return a;
    }
}
