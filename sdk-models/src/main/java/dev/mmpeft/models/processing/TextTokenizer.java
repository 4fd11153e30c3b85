package dev.mmpeft.models.processing;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A Hugging Face fast tokenizer ({@code tokenizer.json}, through DJL) with the truncation and
 * padding semantics of transformers' {@code PreTrainedTokenizer.__call__} done here, explicitly:
 * the native tokenizer only splits text into ids (with the special tokens of its post-processor),
 * and this class truncates the text part on the chosen side (special tokens kept) and pads with a
 * pad id that is always known (DJL alone pads with id 0 when {@code tokenizer.json} has no padding
 * block, whatever the vocabulary).
 *
 * <p>The pad id comes from, in order: the caller, {@code tokenizer_config.json}'s {@code pad_token}
 * (resolved through the tokenizer), or the model config's {@code pad_token_id}.
 *
 * <p>Every failure, of the files or of the native tokenizer on a text, is a {@link
 * TokenizerException} naming the file.
 */
public final class TextTokenizer implements AutoCloseable {
    /** Which end loses tokens when a text is too long, or gets padding. */
    public enum Side {
        LEFT,
        RIGHT
    }

    private final Path source;
    private final HuggingFaceTokenizer tokenizer;
    private final OptionalInt padId;
    private final long[] prefix;
    private final long[] suffix;

    private TextTokenizer(Path source, HuggingFaceTokenizer tokenizer, OptionalInt padId) {
        this.source = source;
        this.tokenizer = tokenizer;
        // the post-processor's template for one sequence, found by encoding a probe word both ways
        long[] with = ids("a", true);
        long[] without = ids("a", false);
        int at = indexOf(with, without);
        if (at < 0) {
            this.prefix = new long[0];
            this.suffix = new long[0];
        } else {
            this.prefix = Arrays.copyOfRange(with, 0, at);
            this.suffix = Arrays.copyOfRange(with, at + without.length, with.length);
        }
        this.padId = padId.isPresent() ? padId : resolvePad(source, tokenizer);
    }

    /**
     * Loads {@code tokenizer.json} from a file or a folder.
     *
     * @param fallbackPadId the pad id to use when the tokenizer files name none (the model config's)
     * @throws TokenizerException naming the file when there is no readable, usable tokenizer
     */
    public static TextTokenizer load(Path fileOrDirectory, OptionalInt fallbackPadId) {
        Path file = Files.isDirectory(fileOrDirectory) ? fileOrDirectory.resolve("tokenizer.json") : fileOrDirectory;
        if (!Files.isRegularFile(file)) {
            throw new TokenizerException(file + ": no such tokenizer file (expected a Hugging Face tokenizer.json)");
        }
        // the native library aborts the JVM on some files it loads without complaint: refuse those first
        TokenizerJsonCheck.check(file);
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.newInstance(file, Map.of("padding", "false", "truncation", "false", "addSpecialTokens", "true"));
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException(file + ": cannot load tokenizer: " + e.getMessage(), e);
        }
        try {
            TextTokenizer t = new TextTokenizer(file, tok, OptionalInt.empty());
            if (t.padId.isPresent() || fallbackPadId.isEmpty()) {
                return t;
            }
            return new TextTokenizer(file, tok, fallbackPadId);
        } catch (RuntimeException e) {
            tok.close();
            throw e;
        }
    }

    private static OptionalInt resolvePad(Path tokenizerJson, HuggingFaceTokenizer tok) {
        Path dir = tokenizerJson.toAbsolutePath().getParent();
        Path cfg = dir == null ? null : dir.resolve("tokenizer_config.json");
        if (cfg == null || !Files.isRegularFile(cfg)) {
            return OptionalInt.empty();
        }
        JsonNode root;
        try {
            root = Json.read(cfg);
        } catch (Json.JsonFileException e) {
            throw new TokenizerException(e.getMessage(), e);
        }
        if (!root.isObject()) {
            throw new TokenizerException(cfg + ": expected a JSON object of tokenizer settings, found " + root.getNodeType());
        }
        JsonNode n = root.get("pad_token");
        String pad;
        if (n == null || n.isNull()) {
            return OptionalInt.empty();
        } else if (n.isTextual()) {
            pad = n.textValue();
        } else if (n.isObject() && n.path("content").isTextual()) {
            // an AddedToken written out: {"content": "<pad>", "lstrip": false, ...}
            pad = n.get("content").textValue();
        } else {
            throw new TokenizerException(cfg + ": field 'pad_token' must be a token (a string, or an object with a string "
                    + "'content'), found " + clip(n.toString()));
        }
        long[] ids;
        try {
            ids = tok.encode(pad, false, false).getIds();
        } catch (RuntimeException e) {
            throw new TokenizerException(cfg + ": field 'pad_token' '" + clip(pad) + "' cannot be tokenized by " + tokenizerJson
                    + ": " + e.getMessage(), e);
        }
        return ids.length == 1 ? OptionalInt.of((int) ids[0]) : OptionalInt.empty();
    }

    private static String clip(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    /** The native tokenizer's ids of a text; its failures named in the user's terms. */
    private long[] ids(String text, boolean addSpecialTokens) {
        try {
            return tokenizer.encode(text, addSpecialTokens, false).getIds();
        } catch (RuntimeException e) {
            throw new TokenizerException(source + ": cannot tokenize '" + clip(text) + "': " + e.getMessage(), e);
        }
    }

    private static int indexOf(long[] hay, long[] needle) {
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    /** Where the tokenizer was loaded from. */
    public Path source() {
        return source;
    }

    /** The pad id, if known. */
    public OptionalInt padId() {
        return padId;
    }

    /**
     * The pad id.
     *
     * @throws TokenizerException when neither the tokenizer files nor the model config name one
     */
    public int requirePadId() {
        return padId.orElseThrow(() -> new TokenizerException(source + ": no pad token (tokenizer_config.json pad_token or the config's pad_token_id) to pad a batch with"));
    }

    /** The special ids the tokenizer puts before a single text (e.g. {@code [CLS]} or {@code <s>}). */
    public long[] prefixIds() {
        return prefix.clone();
    }

    /** The special ids the tokenizer puts after a single text (e.g. {@code </s>} or {@code [SEP]}). */
    public long[] suffixIds() {
        return suffix.clone();
    }

    /** The ids of a text, special tokens included, untruncated. */
    public long[] encode(String text) {
        return ids(text, true);
    }

    /** The ids of a text without special tokens. */
    public long[] encodePlain(String text) {
        return ids(text, false);
    }

    /**
     * The ids of a text, special tokens included, at most {@code maxLength} long: as transformers
     * truncates, tokens of the text are dropped on {@code side} and the special tokens stay.
     */
    public long[] encode(String text, int maxLength, Side side) {
        long[] ids = ids(text, true);
        if (ids.length <= maxLength) {
            return ids;
        }
        long[] body = ids(text, false);
        int keep = Math.max(0, maxLength - prefix.length - suffix.length);
        long[] kept = side == Side.RIGHT ? Arrays.copyOfRange(body, 0, keep) : Arrays.copyOfRange(body, body.length - keep, body.length);
        long[] out = new long[prefix.length + kept.length + suffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(kept, 0, out, prefix.length, kept.length);
        System.arraycopy(suffix, 0, out, prefix.length + kept.length, suffix.length);
        return out.length > maxLength ? Arrays.copyOf(out, maxLength) : out;
    }

    /** Text of ids, optionally without special tokens. */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        try {
            return tokenizer.decode(ids, skipSpecialTokens);
        } catch (RuntimeException e) {
            throw new TokenizerException(source + ": cannot decode " + ids.length + " ids: " + e.getMessage(), e);
        }
    }

    /** The id of a single-token text such as {@code <image>}, if the vocabulary has it as one token. */
    public Optional<Long> tokenId(String token) {
        long[] ids = ids(token, false);
        return ids.length == 1 ? Optional.of(ids[0]) : Optional.empty();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
