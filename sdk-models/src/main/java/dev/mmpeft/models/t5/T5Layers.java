package dev.mmpeft.models.t5;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.models.nn.Dropouts;
import dev.mmpeft.models.nn.KvCache;
import dev.mmpeft.models.nn.RmsNorm;
import dev.mmpeft.models.nn.SublayerBlock;
import org.jspecify.annotations.Nullable;

/** The three pre-norm residual sub-layers of a T5 block, named as transformers names them. */
final class T5Layers {
    private T5Layers() {}

    /** {@code T5LayerSelfAttention}: {@code x + dropout(SelfAttention(layer_norm(x)))}. */
    static final class SelfAttention extends SublayerBlock {
        final T5Attention attention;
        final RmsNorm layerNorm;
        private final float dropout;

        SelfAttention(T5Config config, boolean hasRelativeBias, boolean bidirectional) {
            super(Kind.SELF_ATTENTION, config.dModel());
            this.attention = child("SelfAttention", new T5Attention(config, hasRelativeBias, bidirectional));
            this.layerNorm = child("layer_norm", new RmsNorm(config.dModel(), config.layerNormEpsilon()));
            this.dropout = (float) config.dropoutRate();
        }

        NDArray forward(NDArray x, NDArray bias, @Nullable KvCache cache, int layerIndex, NDArray @Nullable [] prefix) {
            NDArray out = attention.forward(layerNorm.forward(x), null, bias, cache, layerIndex, prefix);
            return residual(Dropouts.apply(out, dropout, isTraining()), x, null);
        }
    }

    /** {@code T5LayerCrossAttention}: {@code x + dropout(EncDecAttention(layer_norm(x), encoder))}. */
    static final class CrossAttention extends SublayerBlock {
        final T5Attention attention;
        final RmsNorm layerNorm;
        private final float dropout;

        CrossAttention(T5Config config) {
            super(Kind.CROSS_ATTENTION, config.dModel());
            this.attention = child("EncDecAttention", new T5Attention(config, false, false));
            this.layerNorm = child("layer_norm", new RmsNorm(config.dModel(), config.layerNormEpsilon()));
            this.dropout = (float) config.dropoutRate();
        }

        NDArray forward(NDArray x, NDArray encoderHidden, NDArray bias, @Nullable KvCache cache, int layerIndex) {
            NDArray out = attention.forward(layerNorm.forward(x), encoderHidden, bias, cache, layerIndex, null);
            return residual(Dropouts.apply(out, dropout, isTraining()), x, null);
        }
    }

    /** {@code T5LayerFF}: {@code x + dropout(DenseReluDense(layer_norm(x)))}. */
    static final class FeedForward extends SublayerBlock {
        final T5DenseReluDense dense;
        final RmsNorm layerNorm;
        private final float dropout;

        FeedForward(T5Config config) {
            super(Kind.FEED_FORWARD, config.dModel());
            this.dense = child("DenseReluDense", new T5DenseReluDense(config));
            this.layerNorm = child("layer_norm", new RmsNorm(config.dModel(), config.layerNormEpsilon()));
            this.dropout = (float) config.dropoutRate();
        }

        NDArray forward(NDArray x) {
            return residual(Dropouts.apply(dense.forward(layerNorm.forward(x)), dropout, isTraining()), x, null);
        }
    }
}
