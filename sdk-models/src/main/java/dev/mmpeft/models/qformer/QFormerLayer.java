package dev.mmpeft.models.qformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.SublayerBlock;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code InstructBlipQFormerLayer}, which is BERT's {@code BertLayer} plus two things:
 * on layers with {@code N % cross_attention_frequency == 0} the query positions (the first
 * {@code queryLength}) cross-attend to the image features after self-attention, and query positions
 * go through their own feed-forward ({@code intermediate_query}, {@code output_query}) while text
 * positions use {@code intermediate}/{@code output}.
 *
 * <p>With a spec without the query branch this is exactly {@code BertLayer}.
 */
public final class QFormerLayer extends HfBlock {
    private final QFormerAttention attention;
    private final @Nullable QFormerAttention crossattention;
    private final QFormerIntermediate intermediate;
    private final QFormerOutput output;
    private final @Nullable QFormerIntermediate intermediateQuery;
    private final @Nullable QFormerOutput outputQuery;

    public QFormerLayer(BertLayerSpec spec, int index) {
        this.attention = child("attention", new QFormerAttention(spec, false));
        this.crossattention = spec.hasCrossAttention(index) ? child("crossattention", new QFormerAttention(spec, true)) : null;
        this.intermediate = child("intermediate", new QFormerIntermediate(spec));
        this.output = child("output", new QFormerOutput(spec.intermediateSize(), spec, SublayerBlock.Kind.FEED_FORWARD));
        if (spec.queryFeedForward()) {
            this.intermediateQuery = child("intermediate_query", new QFormerIntermediate(spec));
            this.outputQuery = child("output_query", new QFormerOutput(spec.intermediateSize(), spec, SublayerBlock.Kind.FEED_FORWARD));
        } else {
            this.intermediateQuery = null;
            this.outputQuery = null;
        }
    }

    public boolean hasCrossAttention() {
        return crossattention != null;
    }

    /**
     * @param hidden {@code [batch, queries + text, hidden]}
     * @param mask additive self-attention mask {@code [batch, 1, 1, len]} or null
     * @param encoderHidden image features for cross-attention (required on cross-attention layers
     *     when {@code queryLength > 0})
     * @param queryLength how many leading positions are query tokens (0 for plain BERT)
     */
    public NDArray forward(NDArray hidden, @Nullable NDArray mask, @Nullable NDArray encoderHidden, int queryLength) {
        return forward(hidden, mask, encoderHidden, queryLength, null, 0);
    }

    /**
     * As {@link #forward(NDArray, NDArray, NDArray, int)}, with the layer's output then rewritten by
     * {@code adapter} (when not null) from the self-attention output, as layer {@code index}.
     */
    public NDArray forward(NDArray hidden, @Nullable NDArray mask, @Nullable NDArray encoderHidden, int queryLength,
            @Nullable QFormerLayerAdapter adapter, int index) {
        NDArray attended = attention.forward(hidden, mask);
        NDArray out = layerOutput(attended, encoderHidden, queryLength);
        return adapter == null ? out : adapter.adapt(index, attended, out);
    }

    private NDArray layerOutput(NDArray attended, @Nullable NDArray encoderHidden, int queryLength) {
        if (queryLength == 0) {
            return feedForward(attended, intermediate, output);
        }
        if (intermediateQuery == null || outputQuery == null) {
            throw new IllegalStateException("this layer has no query feed-forward branch; queryLength must be 0");
        }
        long len = attended.getShape().get(1);
        NDArray queryPart = len == queryLength ? attended : attended.get(new NDIndex(":, :{}, :", queryLength));
        if (crossattention != null) {
            if (encoderHidden == null) {
                throw new MmpeftException("Q-Former: encoder_hidden_states must be given for cross-attention layers");
            }
            queryPart = crossattention.forwardCross(queryPart, encoderHidden);
        }
        NDArray out = feedForward(queryPart, intermediateQuery, outputQuery);
        if (len > queryLength) {
            NDArray text = feedForward(attended.get(new NDIndex(":, {}:, :", queryLength)), intermediate, output);
            out = out.concat(text, 1);
        }
        return out;
    }

    private static NDArray feedForward(NDArray x, QFormerIntermediate inter, QFormerOutput out) {
        return out.forward(inter.forward(x), x);
    }
}
