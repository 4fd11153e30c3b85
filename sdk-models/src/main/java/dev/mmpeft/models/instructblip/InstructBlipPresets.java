package dev.mmpeft.models.instructblip;

import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.core.config.QFormerConfig;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.core.config.VisionConfig;
import dev.mmpeft.models.processing.WordLevelTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Ready-made InstructBLIP configurations the project itself uses: the "bench" model of the
 * performance targets, and tiny models (for tests and generated examples) that come with real
 * Hugging Face tokenizers written by {@link WordLevelTokenizer}.
 */
public final class InstructBlipPresets {
    private InstructBlipPresets() {}

    /**
     * The benchmark model of issue 3: vision 256 wide x 4 layers, 8 heads, 224 px images, patch 14;
     * Q-Former 256 wide x 4 layers (cross-attention every 2nd), 32 queries; Flan-T5-style language
     * model, d_model 256, 4 + 4 layers, d_ff 1024, vocabulary 32128.
     */
    public static InstructBlipConfig bench() {
        return InstructBlipConfig.builder()
                .visionConfig(VisionConfig.builder()
                        .hiddenSize(256).intermediateSize(1024).numHiddenLayers(4).numAttentionHeads(8)
                        .imageSize(224).patchSize(14).build())
                .qformerConfig(QFormerConfig.builder()
                        .hiddenSize(256).numHiddenLayers(4).numAttentionHeads(8).intermediateSize(1024)
                        .crossAttentionFrequency(2).encoderHiddenSize(256).build())
                .numQueryTokens(32)
                .textConfig(T5Config.builder()
                        .vocabSize(32128).dModel(256).dKv(32).numHeads(8).dFf(1024).numLayers(4).numDecoderLayers(4)
                        .feedForwardProj("gated-gelu").tieWordEmbeddings(false).build())
                .build();
    }

    /**
     * A tiny model for tests and examples: vision 16 wide x 2 layers on 28 px images, Q-Former 16
     * wide x 2 layers with 4 queries, a 16-wide T5 (2 + 2 layers) or LLaMA (2 layers, grouped-query
     * attention) with a vocabulary of {@code vocabSize}, and a Q-Former vocabulary of
     * {@code qformerVocabSize}.
     *
     * @param imageTokenId the placeholder id for the newer input layout, or null for the older one
     */
    public static InstructBlipConfig tiny(boolean t5, int vocabSize, int qformerVocabSize, Integer imageTokenId) {
        var b = InstructBlipConfig.builder()
                .visionConfig(VisionConfig.builder()
                        .hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(2)
                        .imageSize(28).patchSize(14).build())
                .qformerConfig(QFormerConfig.builder()
                        .vocabSize(qformerVocabSize).hiddenSize(16).numHiddenLayers(2).numAttentionHeads(2).intermediateSize(24)
                        .maxPositionEmbeddings(64).crossAttentionFrequency(2).encoderHiddenSize(16).build())
                .numQueryTokens(4)
                .textConfig(t5
                        ? T5Config.builder().vocabSize(vocabSize).dModel(16).dKv(4).dFf(24).numLayers(2).numDecoderLayers(2)
                                .numHeads(4).relativeAttentionNumBuckets(8).relativeAttentionMaxDistance(16)
                                .feedForwardProj("gated-gelu").build()
                        : LlamaConfig.builder().vocabSize(vocabSize).hiddenSize(16).intermediateSize(24).numHiddenLayers(2)
                                .numAttentionHeads(4).numKeyValueHeads(2).maxPositionEmbeddings(128).build());
        if (imageTokenId != null) {
            b.imageTokenId(imageTokenId);
        }
        return b.build();
    }

    /**
     * Writes a complete tiny Hugging Face directory: random weights ({@code config.json},
     * {@code model.safetensors}), a word-level {@code tokenizer.json} over {@code words} for the
     * language model and another in {@code qformer_tokenizer/}.
     *
     * @param imageToken whether to use the newer layout (an {@code <image>} token in the vocabulary)
     * @return the config written
     */
    public static InstructBlipConfig writeTiny(Path dir, List<String> words, boolean t5, boolean imageToken, long seed, float std)
            throws IOException {
        int lmVocab = WordLevelTokenizer.write(dir, words, t5 ? WordLevelTokenizer.Family.T5 : WordLevelTokenizer.Family.LLAMA, imageToken);
        int qVocab = WordLevelTokenizer.write(dir.resolve("qformer_tokenizer"), words, WordLevelTokenizer.Family.BERT, false);
        InstructBlipConfig config = tiny(t5, lmVocab, qVocab, imageToken ? lmVocab - 1 : null);
        try (InstructBlip model = InstructBlip.random(config, seed, std)) {
            model.save(dir);
        }
        return config;
    }
}
