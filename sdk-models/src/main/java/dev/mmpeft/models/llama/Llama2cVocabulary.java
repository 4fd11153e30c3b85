package dev.mmpeft.models.llama;

import dev.mmpeft.models.processing.TokenizerException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A llama2.c vocabulary file ({@code tokenizer.bin}, e.g. {@code tok512.bin}): little-endian
 * {@code int32 max_token_length}, then per token {@code float32 score}, {@code int32 length} and
 * that many UTF-8 bytes. Decodes token ids to text exactly as llama2.c's {@code run.c} prints
 * them: the piece after BOS loses its leading space, {@code <0xXX>} pieces are raw bytes, and a
 * lone byte that is neither printable nor whitespace is not printed.
 *
 * <p>It exists to check a model port against llama2.c's published outputs; tokenizing text for
 * real models goes through Hugging Face {@code tokenizer.json} files.
 */
public final class Llama2cVocabulary {
    /** llama2.c's BOS id. */
    public static final int BOS = 1;

    private final List<byte[]> pieces;
    private final float[] scores;
    private final int maxTokenLength;

    private Llama2cVocabulary(List<byte[]> pieces, float[] scores, int maxTokenLength) {
        this.pieces = pieces;
        this.scores = scores;
        this.maxTokenLength = maxTokenLength;
    }

    /**
     * Reads a vocabulary of {@code size} tokens (the model's {@code vocab_size}; the file does
     * not record it).
     *
     * @throws TokenizerException naming the file when it is too short, has a negative length, or has
     *     bytes left over, or when {@code size} is impossible for it
     */
    public static Llama2cVocabulary read(Path file, int size) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read llama2.c vocabulary: " + e.getMessage(), e);
        }
        if (bytes.length < 4) {
            throw new TokenizerException(file + ": truncated llama2.c vocabulary (" + bytes.length
                    + " bytes; expected an int32 max_token_length, then the tokens)");
        }
        // each token takes at least 8 bytes (score and length): bounds the allocations by the file
        if (size < 0 || size > (bytes.length - 4L) / 8) {
            throw new TokenizerException(file + ": cannot hold " + size + " tokens (vocab_size) in " + bytes.length
                    + " bytes; expected 0 to " + (bytes.length - 4L) / 8 + " (wrong vocabulary size or file?)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int max = b.getInt();
        List<byte[]> pieces = new ArrayList<>(size);
        float[] scores = new float[size];
        for (int i = 0; i < size; i++) {
            if (b.remaining() < 8) {
                throw new TokenizerException(file + ": truncated llama2.c vocabulary: token " + i + " of " + size
                        + " needs a score and a length (8 bytes), " + b.remaining() + " bytes remain");
            }
            scores[i] = b.getFloat();
            int len = b.getInt();
            if (len < 0 || len > b.remaining()) {
                throw new TokenizerException(file + ": token " + i + " has byte length " + len + " but " + b.remaining() + " bytes remain");
            }
            byte[] piece = new byte[len];
            b.get(piece);
            pieces.add(piece);
        }
        if (b.hasRemaining()) {
            throw new TokenizerException(file + ": " + b.remaining() + " bytes left after " + size + " tokens (wrong vocabulary size?)");
        }
        return new Llama2cVocabulary(pieces, scores, max);
    }

    public int size() {
        return pieces.size();
    }

    public int maxTokenLength() {
        return maxTokenLength;
    }

    public float score(int token) {
        return scores[token];
    }

    /** The raw piece of a token, as stored. */
    public String piece(int token) {
        return new String(pieces.get(token), StandardCharsets.UTF_8);
    }

    /** The bytes {@code run.c}'s {@code decode(prev, token)} yields. */
    public byte[] decode(int previous, int token) {
        byte[] piece = pieces.get(token);
        int start = previous == BOS && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
        String s = new String(piece, start, piece.length - start, StandardCharsets.ISO_8859_1);
        if (s.length() == 6 && s.startsWith("<0x") && s.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(s.substring(3, 5), 16)};
            } catch (NumberFormatException e) {
                // not a byte token after all: printed as is
            }
        }
        byte[] out = new byte[piece.length - start];
        System.arraycopy(piece, start, out, 0, out.length);
        return out;
    }

    /**
     * The text {@code run.c} prints for a token sequence that starts with the prompt's first token
     * (BOS for unconditional generation): every following token decoded against its predecessor,
     * unprintable lone bytes skipped.
     */
    public String decode(int[] tokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 1; i < tokens.length; i++) {
            byte[] piece = decode(tokens[i - 1], tokens[i]);
            if (piece.length == 1) {
                int c = piece[0] & 0xff;
                boolean printable = c >= 0x20 && c < 0x7f;
                boolean space = c == ' ' || (c >= 0x09 && c <= 0x0d);
                if (!printable && !space) {
                    continue;
                }
            }
            out.writeBytes(piece);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
