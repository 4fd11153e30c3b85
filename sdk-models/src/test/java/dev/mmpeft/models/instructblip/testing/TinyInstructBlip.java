package dev.mmpeft.models.instructblip.testing;

import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Tiny InstructBLIP configs and complete Hugging Face directories (random weights, word-level
 * tokenizers for the language model and the Q-Former) for tests in any module; the vocabulary is
 * {@link TinyTokenizers#WORDS}.
 */
public final class TinyInstructBlip {
    /** The language-model vocabulary size of {@link #config} (larger than the tiny tokenizers'). */
    public static final int VOCAB = 48;

    private TinyInstructBlip() {}

    /** A tiny config (see {@link InstructBlipPresets#tiny}); the image token is the tokenizers' {@code <image>}. */
    public static InstructBlipConfig config(boolean t5, boolean imageToken) {
        Integer image = imageToken ? (t5 ? TinyTokenizers.WORDS.size() + 3 : TinyTokenizers.WORDS.size() + 4) : null;
        return InstructBlipPresets.tiny(t5, VOCAB, 64, image);
    }

    /** Writes a complete model directory with random weights and returns it. */
    public static Path write(Path dir, boolean t5, boolean imageToken, long seed) throws IOException {
        InstructBlipPresets.writeTiny(dir, TinyTokenizers.WORDS, t5, imageToken, seed, 0.3f);
        return dir;
    }
}
