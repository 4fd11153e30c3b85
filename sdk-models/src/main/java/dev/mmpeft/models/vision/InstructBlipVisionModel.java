package dev.mmpeft.models.vision;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.VisionConfig;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.LayerNorm;

/**
 * transformers' {@code InstructBlipVisionModel} (the EVA ViT of InstructBLIP) under its Hugging Face
 * names: {@code embeddings.*}, {@code encoder.layers.N.*}, {@code post_layernorm}.
 *
 * <p>{@link #forward} returns the last hidden state after {@code post_layernorm}: what the Q-Former's
 * cross-attention reads. The block is built from a config with declared shapes and no arrays; arrays
 * come from loading or random initialisation.
 */
public final class InstructBlipVisionModel extends HfBlock {
    private final VisionConfig config;
    private final VisionEmbeddings embeddings;
    private final VisionEncoder encoder;
    private final LayerNorm postLayernorm;

    public InstructBlipVisionModel(VisionConfig config) {
        this.config = config;
        this.embeddings = child("embeddings", new VisionEmbeddings(config));
        this.encoder = child("encoder", new VisionEncoder(config));
        this.postLayernorm = child("post_layernorm", new LayerNorm(config.hiddenSize(), (float) config.layerNormEps()));
    }

    public VisionConfig config() {
        return config;
    }

    public VisionEncoder encoder() {
        return encoder;
    }

    /** {@code pixel_values [batch, 3, size, size]} to image features {@code [batch, 1 + patches, hidden]}. */
    public NDArray forward(NDArray pixelValues) {
        return postLayernorm.forward(encoder.forward(embeddings.forward(pixelValues)));
    }
}
