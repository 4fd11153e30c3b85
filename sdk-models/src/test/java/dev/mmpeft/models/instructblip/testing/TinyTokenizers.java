package dev.mmpeft.models.instructblip.testing;

import dev.mmpeft.models.processing.WordLevelTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Real Hugging Face {@code tokenizer.json} files for tiny test models: a word-level vocabulary
 * with the post-processor of each family (T5 appends {@code </s>}; LLaMA prepends {@code <s>}),
 * plus the tiny BERT WordPiece tokenizer from ../shared as the Q-Former's.
 */
public final class TinyTokenizers {
    /** The words of the tiny vocabularies, after the special tokens. */
    public static final List<String> WORDS = List.of(
            "what", "is", "in", "the", "image", "?", "a", "cat", "dog", "red", "blue", "green", "answer", "question",
            "yes", "no", "one", "two", "three", "of", "color", "shape", "circle", "square", "triangle", "which", "it",
            "this", "picture", "shows", ".", ",", ":", "(", ")", "b", "c", "d", "options", "context", "describe");

    private TinyTokenizers() {}

    /**
     * A T5-style tokenizer: {@code <pad>}=0, {@code </s>}=1, {@code <unk>}=2, then {@link #WORDS};
     * {@code <image>} is the last id when {@code withImageToken}.
     */
    public static int writeT5(Path dir, boolean withImageToken) throws IOException {
        return WordLevelTokenizer.write(dir, WORDS, WordLevelTokenizer.Family.T5, withImageToken);
    }

    /**
     * A LLaMA-style tokenizer: {@code <unk>}=0, {@code <s>}=1, {@code </s>}=2, then {@link #WORDS},
     * then {@code <pad>}; {@code <image>} after it when {@code withImageToken}.
     */
    public static int writeLlama(Path dir, boolean withImageToken) throws IOException {
        return WordLevelTokenizer.write(dir, WORDS, WordLevelTokenizer.Family.LLAMA, withImageToken);
    }

    /** Copies the tiny BERT WordPiece tokenizer (vocabulary 1124) into {@code dir} as the Q-Former's. */
    public static void writeQFormer(Path dir, Path tinyBertDir) throws IOException {
        Files.createDirectories(dir);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")) {
            Files.copy(tinyBertDir.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
