package dev.mmpeft.models.lavin;

import dev.mmpeft.core.config.ClipVisionConfig;
import dev.mmpeft.core.config.LavinConfig;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.models.processing.WordLevelTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Ready-made LaVIN configurations: a tiny model for tests and generated examples, with a real
 * Hugging Face tokenizer written by {@link WordLevelTokenizer} whose {@code <image>} token is the
 * config's placeholder id.
 */
public final class LavinPresets {
    private LavinPresets() {}

    /**
     * A tiny LaVIN: CLIP 16 wide x 4 layers on 28 px images in 14 px patches, a visual token after
     * every second layer (2 per image), visual adapter 16 -> 8 -> 16, a 16-wide 2-layer LLaMA with
     * grouped-query attention, MM-Adapter width 4.
     *
     * @param vocabSize the language model's vocabulary, {@code <image>} included
     * @param imageTokenId the placeholder id
     * @param padTokenId the id padding uses
     */
    public static LavinConfig tiny(int vocabSize, int imageTokenId, int padTokenId) {
        return LavinConfig.builder()
                .visionConfig(ClipVisionConfig.builder()
                        .hiddenSize(16).intermediateSize(24).numHiddenLayers(4).numAttentionHeads(2).projectionDim(16)
                        .imageSize(28).patchSize(14).build())
                .textConfig(LlamaConfig.builder()
                        .vocabSize(vocabSize).hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(4)
                        .numKeyValueHeads(2).maxPositionEmbeddings(256).padTokenId(padTokenId).build())
                .adapterDim(4)
                .hiddenProj(8)
                .visionFeatureInterval(2)
                .imageTokenId(imageTokenId)
                .padTokenId(padTokenId)
                .build();
    }

    /**
     * Writes a complete tiny LaVIN directory: random weights ({@code config.json},
     * {@code model.safetensors}) and a LLaMA-style word-level {@code tokenizer.json} over
     * {@code words} with {@code <pad>} and {@code <image>} last.
     *
     * @return the config written
     */
    public static LavinConfig writeTiny(Path dir, List<String> words, long seed, float std) throws IOException {
        int vocab = WordLevelTokenizer.write(dir, words, WordLevelTokenizer.Family.LLAMA, true);
        LavinConfig config = tiny(vocab, vocab - 1, vocab - 2);
        try (Lavin model = Lavin.random(config, seed, std)) {
            model.save(dir);
        }
        return config;
    }
}
