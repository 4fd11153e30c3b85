package dev.mmpeft.core.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The SDK's JSON settings in one place: strict where files come from outside (duplicate keys are
 * an error, since a silently dropped duplicate hides a broken file), stable and pretty on output.
 */
public final class Json {
    private static final ObjectMapper MAPPER =
            JsonMapper.builder()
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                    .build();

    private Json() {}

    /** The shared, thread-safe mapper. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Reads a JSON file into a tree.
     *
     * @throws JsonFileException naming the file and the position of the error
     */
    public static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new JsonFileException(
                    file + ": invalid JSON: " + problem(e), e);
        } catch (IOException e) {
            throw new JsonFileException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Reads a JSON string into a tree; {@code source} names it in errors. */
    public static JsonNode parse(String json, String source) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new JsonFileException(
                    source + ": invalid JSON: " + problem(e), e);
        }
    }

    /** Pretty JSON text of a tree or value, keys of maps sorted. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /**
     * What is wrong with a JSON text, in words and with its line and column, without the parser's
     * internals (Jackson's {@code [Source: REDACTED (`StreamReadFeature...` disabled); line: 1, column: 1]}).
     */
    public static String problem(JsonProcessingException e) {
        String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        m = m.replaceAll("\\[Source: [^\\]]*?line: (\\d+), column: (\\d+)\\]", "line $1, column $2")
                .replaceAll("\\[Source: [^\\]]*\\]", "")
                .replace("(start marker at line", "(opened at line")
                .replaceAll("\\s*\\n\\s*", " ")
                .strip();
        return m + locationOf(e);
    }

    private static String locationOf(JsonProcessingException e) {
        return e.getLocation() == null
                ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    /** A JSON file that cannot be read or parsed. */
    public static final class JsonFileException extends dev.mmpeft.core.MmpeftException {
        private static final long serialVersionUID = 1L;

        public JsonFileException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
