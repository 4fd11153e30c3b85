package dev.mmpeft.models.processing;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.MmpeftException;
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
        long[] with = tokenizer.encode("a", true, false).getIds();
        long[] without = tokenizer.encode("a", false, false).getIds();
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
     * @throws MmpeftException naming the path when there is no readable tokenizer
     */
    public static TextTokenizer load(Path fileOrDirectory, OptionalInt fallbackPadId) {
        Path file = Files.isDirectory(fileOrDirectory) ? fileOrDirectory.resolve("tokenizer.json") : fileOrDirectory;
        if (!Files.isRegularFile(file)) {
            throw new MmpeftException(file + ": no such tokenizer file (expected a Hugging Face tokenizer.json)");
        }
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.newInstance(file, Map.of("padding", "false", "truncation", "false", "addSpecialTokens", "true"));
        } catch (IOException | RuntimeException e) {
            throw new MmpeftException(file + ": cannot load tokenizer: " + e.getMessage(), e);
        }
        TextTokenizer t = new TextTokenizer(file, tok, OptionalInt.empty());
        if (t.padId.isPresent() || fallbackPadId.isEmpty()) {
            return t;
        }
        return new TextTokenizer(file, tok, fallbackPadId);
    }

    private static OptionalInt resolvePad(Path tokenizerJson, HuggingFaceTokenizer tok) {
        Path dir = tokenizerJson.toAbsolutePath().getParent();
        Path cfg = dir == null ? null : dir.resolve("tokenizer_config.json");
        if (cfg == null || !Files.isRegularFile(cfg)) {
            return OptionalInt.empty();
        }
        try {
            JsonNode n = Json.read(cfg).get("pad_token");
            String pad = n == null || n.isNull() ? null : n.isTextual() ? n.asText() : n.path("content").asText(null);
            if (pad == null) {
                return OptionalInt.empty();
            }
            long[] ids = tok.encode(pad, false, false).getIds();
            return ids.length == 1 ? OptionalInt.of((int) ids[0]) : OptionalInt.empty();
        } catch (Json.JsonFileException e) {
            throw new MmpeftException(e.getMessage(), e);
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
     * @throws MmpeftException when neither the tokenizer files nor the model config name one
     */
    public int requirePadId() {
        return padId.orElseThrow(() -> new MmpeftException(source + ": no pad token (tokenizer_config.json pad_token or the config's pad_token_id) to pad a batch with"));
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
        return tokenizer.encode(text, true, false).getIds();
    }

    /** The ids of a text without special tokens. */
    public long[] encodePlain(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    /**
     * The ids of a text, special tokens included, at most {@code maxLength} long: as transformers
     * truncates, tokens of the text are dropped on {@code side} and the special tokens stay.
     */
    public long[] encode(String text, int maxLength, Side side) {
        Encoding withSpecial = tokenizer.encode(text, true, false);
        long[] ids = withSpecial.getIds();
        if (ids.length <= maxLength) {
            return ids;
        }
        long[] body = tokenizer.encode(text, false, false).getIds();
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
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    /** The id of a single-token text such as {@code <image>}, if the vocabulary has it as one token. */
    public Optional<Long> tokenId(String token) {
        long[] ids = tokenizer.encode(token, false, false).getIds();
        return ids.length == 1 ? Optional.of(ids[0]) : Optional.empty();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
