package dev.mmpeft.models.t5;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.HfBlockList;
import dev.mmpeft.models.nn.KvCache;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code T5Block}: {@code layer.0} self-attention, then (decoder only) {@code layer.1}
 * cross-attention, then the feed-forward as the last layer ({@code layer.1} in the encoder,
 * {@code layer.2} in the decoder).
 */
public final class T5Block extends HfBlock {
    private final T5Layers.SelfAttention selfAttention;
    private final T5Layers.@Nullable CrossAttention crossAttention;
    private final T5Layers.FeedForward feedForward;

    T5Block(T5Config config, boolean hasRelativeBias, boolean decoder) {
        this.selfAttention = new T5Layers.SelfAttention(config, hasRelativeBias, !decoder);
        this.crossAttention = decoder ? new T5Layers.CrossAttention(config) : null;
        this.feedForward = new T5Layers.FeedForward(config);
        HfBlock[] layers = decoder
                ? new HfBlock[] {selfAttention, crossAttention, feedForward}
                : new HfBlock[] {selfAttention, feedForward};
        child("layer", new HfBlockList<>(layers.length, i -> layers[i]));
    }

    /** {@code layer.0.SelfAttention}. */
    public T5Attention selfAttention() {
        return selfAttention.attention;
    }

    /** {@code layer.1.EncDecAttention} in decoder blocks. */
    public @Nullable T5Attention crossAttention() {
        return crossAttention == null ? null : crossAttention.attention;
    }

    /** The feed-forward ({@code layer.N.DenseReluDense}). */
    public T5DenseReluDense feedForward() {
        return feedForward.dense;
    }

    NDArray forward(
            NDArray hidden,
            NDArray selfBias,
            @Nullable NDArray encoderHidden,
            @Nullable NDArray crossBias,
            @Nullable KvCache selfCache,
            @Nullable KvCache crossCache,
            int index,
            NDArray @Nullable [] prefix) {
        NDArray h = selfAttention.forward(hidden, selfBias, selfCache, index, prefix);
        if (crossAttention != null && encoderHidden != null) {
            h = crossAttention.forward(h, encoderHidden, crossBias, crossCache, index);
        }
        return feedForward.forward(h);
    }
}
