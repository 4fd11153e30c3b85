package dev.mmpeft.models.processing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.Json;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Checks a {@code tokenizer.json} before the native tokenizer library sees it, for the
 * inconsistencies that library accepts when loading but then panics on while encoding: a Rust
 * panic crosses JNI and aborts the whole JVM, so they must be refused here, as a {@link
 * TokenizerException} naming the file and the field. Everything else is left to the library,
 * which reports it as an error.
 *
 * <p>Found by fuzzing (tokenizers 0.21): a {@code TemplateProcessing} post-processor whose
 * template names a special token missing from its {@code special_tokens}, whose single-sequence
 * template uses sequence {@code B}, or whose special token has unequal {@code ids} and
 * {@code tokens}; and JSON that Jackson reads but serde_json does not (a lone surrogate escape, a
 * number beyond a double such as {@code 1e309}, nesting deeper than serde_json's limit of 128),
 * which the library's component deserializers turn into a panic rather than an error. And one
 * slowness: an added token of many thousand characters takes the library minutes to load.
 */
final class TokenizerJsonCheck {
    private TokenizerJsonCheck() {}

    /**
     * Parses and checks {@code file}.
     *
     * @throws TokenizerException naming the file (and the field) when it is not JSON, or would
     *     crash the native library
     */
    static void check(Path file) {
        JsonNode root;
        try {
            root = Json.read(file);
        } catch (Json.JsonFileException e) {
            throw new TokenizerException(e.getMessage(), e);
        }
        if (!root.isObject()) {
            throw new TokenizerException(file + ": expected a JSON object (a Hugging Face tokenizer), found " + root.getNodeType());
        }
        checkLexical(file, "", root, 0);
        JsonNode added = root.get("added_tokens");
        if (added != null && added.isArray()) {
            for (int i = 0; i < added.size(); i++) {
                JsonNode content = added.get(i).path("content");
                if (content.isTextual() && content.textValue().length() > MAX_ADDED_TOKEN_CHARS) {
                    throw new TokenizerException(file + ": field 'added_tokens[" + i + "].content' is "
                            + content.textValue().length() + " characters long; expected at most " + MAX_ADDED_TOKEN_CHARS
                            + " (a special token, not a text)");
                }
            }
        }
        JsonNode post = root.get("post_processor");
        if (post != null) {
            checkPostProcessor(file, "post_processor", post);
        }
    }

    /** What serde_json refuses and Jackson takes: the native library may panic on it. */
    private static void checkLexical(Path file, String field, JsonNode n, int depth) {
        if (depth > MAX_DEPTH) {
            throw new TokenizerException(file + ": field '" + field + "' is nested more than " + MAX_DEPTH
                    + " levels deep (the tokenizer library's limit)");
        }
        if (n.isTextual()) {
            requireUnicode(file, field, n.textValue(), "value");
        } else if (n.isFloatingPointNumber() && !Double.isFinite(n.doubleValue())) {
            throw new TokenizerException(file + ": field '" + field + "' is a number beyond the range of a double");
        } else if (n.isObject()) {
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                String child = field.isEmpty() ? key : field + "." + key;
                requireUnicode(file, child, key, "name");
                checkLexical(file, child, n.get(key), depth + 1);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                checkLexical(file, field + "[" + i + "]", n.get(i), depth + 1);
            }
        }
    }

    /**
     * The library takes time quadratic in an added token's length to load it (9 s for 16,000
     * characters): a hang for a hostile file. Real special tokens are a few dozen characters.
     */
    private static final int MAX_ADDED_TOKEN_CHARS = 512;

    /** serde_json's default recursion limit is 128 (arrays and objects together). */
    private static final int MAX_DEPTH = 120;

    private static void requireUnicode(Path file, String field, String text, String what) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new TokenizerException(String.format("%s: field '%s' %s is not valid Unicode text (a lone surrogate "
                        + "\\u%04x at character %d)", file, field, what, (int) c, i));
            }
        }
    }

    private static void checkPostProcessor(Path file, String field, JsonNode post) {
        String type = post.path("type").asText("");
        if (type.equals("Sequence") && post.path("processors").isArray()) {
            JsonNode list = post.get("processors");
            for (int i = 0; i < list.size(); i++) {
                checkPostProcessor(file, field + ".processors[" + i + "]", list.get(i));
            }
        } else if (type.equals("TemplateProcessing")) {
            JsonNode special = post.path("special_tokens");
            checkTemplate(file, field, "single", post.path("single"), special, false);
            checkTemplate(file, field, "pair", post.path("pair"), special, true);
            if (special.isObject()) {
                for (Iterator<String> it = special.fieldNames(); it.hasNext(); ) {
                    String name = it.next();
                    JsonNode ids = special.get(name).path("ids");
                    JsonNode tokens = special.get(name).path("tokens");
                    if (ids.isArray() && tokens.isArray() && ids.size() != tokens.size()) {
                        throw new TokenizerException(file + ": field '" + field + ".special_tokens' entry '" + name + "' has "
                                + ids.size() + " ids but " + tokens.size() + " tokens (expected one token per id)");
                    }
                }
            }
        }
    }

    private static void checkTemplate(Path file, String field, String which, JsonNode template, JsonNode special, boolean pair) {
        if (!template.isArray()) {
            return; // not a template the library loads: it reports that itself
        }
        for (int i = 0; i < template.size(); i++) {
            JsonNode piece = template.get(i);
            String where = field + "." + which + "[" + i + "]";
            JsonNode token = piece.path("SpecialToken").path("id");
            if (token.isTextual() && !(special.isObject() && special.has(token.textValue()))) {
                throw new TokenizerException(file + ": field '" + where + "' uses special token '" + token.textValue()
                        + "', which '" + field + ".special_tokens' does not define");
            }
            JsonNode sequence = piece.path("Sequence").path("id");
            if (!pair && sequence.isTextual() && !sequence.textValue().equals("A")) {
                throw new TokenizerException(file + ": field '" + where + "' uses sequence '" + sequence.textValue()
                        + "' in the single-sequence template (expected only A)");
            }
        }
    }
}
