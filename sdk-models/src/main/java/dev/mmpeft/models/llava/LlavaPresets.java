package dev.mmpeft.models.llava;

import dev.mmpeft.core.config.ClipVisionConfig;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.core.config.LlavaConfig;
import dev.mmpeft.models.processing.WordLevelTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Ready-made LLaVA configurations the project uses: a tiny model for tests and generated examples
 * (the base of an embedded default), with a real Hugging Face tokenizer written by
 * {@link WordLevelTokenizer} whose {@code <image>} token is the config's {@code image_token_index}.
 */
public final class LlavaPresets {
    private LlavaPresets() {}

    /**
     * A tiny LLaVA-1.5-shaped model: CLIP 16 wide x 2 layers on 28 px images with 14 px patches
     * (4 image features with the {@code default} strategy, {@code vision_feature_layer} -2), the
     * two-layer GELU projector, and a 16-wide, 2-layer LLaMA with grouped-query attention.
     *
     * @param vocabSize the language model's vocabulary, {@code <image>} included
     * @param imageTokenId the id of {@code <image>}
     * @param padTokenId the id padding uses
     */
    public static LlavaConfig tiny(int vocabSize, int imageTokenId, int padTokenId) {
        return LlavaConfig.builder()
                .visionConfig(ClipVisionConfig.builder()
                        .hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(2).projectionDim(16)
                        .imageSize(28).patchSize(14).build())
                .textConfig(LlamaConfig.builder()
                        .vocabSize(vocabSize).hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(4)
                        .numKeyValueHeads(2).maxPositionEmbeddings(128).padTokenId(padTokenId).build())
                .imageTokenId(imageTokenId)
                .padTokenId(padTokenId)
                .imageSeqLength(4)
                .build();
    }

    /**
     * Writes a complete tiny Hugging Face LLaVA directory: random weights ({@code config.json},
     * {@code model.safetensors}, legacy layout) and a LLaMA-style word-level {@code tokenizer.json}
     * over {@code words} with {@code <pad>} and {@code <image>} last.
     *
     * @return the config written
     */
    public static LlavaConfig writeTiny(Path dir, List<String> words, long seed, float std) throws IOException {
        int vocab = WordLevelTokenizer.write(dir, words, WordLevelTokenizer.Family.LLAMA, true);
        LlavaConfig config = tiny(vocab, vocab - 1, vocab - 2);
        try (Llava model = Llava.random(config, seed, std)) {
            model.save(dir);
        }
        return config;
    }
}
