package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.jspecify.annotations.Nullable;

/**
 * Multi-head attention math shared by every model family: heads split into a batch dimension
 * ({@code [batch, heads, length, headDim]}) so that all heads and examples run as one batched
 * matmul, with grouped-query attention done without copying keys and values.
 *
 * <p>Computes what transformers' eager attention computes: {@code softmax(q k^T * scale + bias) v},
 * softmax in float32, dropout on the attention weights in training only.
 */
public final class Attention {
    private Attention() {}

    /** {@code [batch, length, heads * headDim]} to {@code [batch, heads, length, headDim]} (a view). */
    public static NDArray splitHeads(NDArray x, int heads) {
        Shape s = x.getShape();
        long headDim = s.get(2) / heads;
        return x.reshape(s.get(0), s.get(1), heads, headDim).transpose(0, 2, 1, 3);
    }

    /** {@code [batch, heads, length, headDim]} back to {@code [batch, length, heads * headDim]}. */
    public static NDArray mergeHeads(NDArray x) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }

    /**
     * Eager attention over all heads, heads merged back: {@code softmax(q k^T * scale + mask) v} as
     * BERT-style encoders (the vision encoder, the Q-Former) compute it.
     *
     * @param q {@code [batch, heads, queries, headDim]}
     * @param k {@code [batch, heads, keys, headDim]}
     * @param v {@code [batch, heads, keys, headDim]}
     * @param mask additive, broadcastable to {@code [batch, heads, queries, keys]}, or null
     * @return {@code [batch, queries, heads * headDim]}
     */
    public static NDArray eager(
            NDArray q, NDArray k, NDArray v, @Nullable NDArray mask, float scale, float dropout, boolean training) {
        return mergeHeads(attend(q, k, v, scale, mask, dropout, training));
    }

    /**
     * Scaled dot-product attention.
     *
     * @param q {@code [batch, heads, queries, headDim]}
     * @param k {@code [batch, kvHeads, keys, headDim]}; {@code heads} must be a multiple of
     *     {@code kvHeads}: query head {@code h} uses key/value head {@code h / (heads / kvHeads)},
     *     as transformers' {@code repeat_kv}
     * @param v {@code [batch, kvHeads, keys, headDim]}
     * @param scale multiplies the scores (1 for T5, {@code headDim^-0.5} for LLaMA)
     * @param bias additive, broadcastable to {@code [batch, heads, queries, keys]} (masks, relative
     *     position bias), or null
     * @param dropout attention dropout rate, applied only when {@code training}
     * @return {@code [batch, heads, queries, headDim]}
     */
    public static NDArray attend(
            NDArray q, NDArray k, NDArray v, float scale, @Nullable NDArray bias, float dropout, boolean training) {
        Shape qs = q.getShape();
        long batch = qs.get(0);
        long heads = qs.get(1);
        long queries = qs.get(2);
        long headDim = qs.get(3);
        long kvHeads = k.getShape().get(1);
        long keys = k.getShape().get(2);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads is not a multiple of " + kvHeads + " key/value heads");
        }
        long groups = heads / kvHeads;
        // grouped-query attention: the query heads that share a key/value head are consecutive,
        // so folding them into the query-length axis lets one matmul serve the whole group
        NDArray qg = groups == 1 ? q : q.reshape(batch, kvHeads, groups * queries, headDim);
        NDArray scores = qg.matMul(k.transpose(0, 1, 3, 2));
        if (scale != 1f) {
            scores = scores.mul(Scalars.of(scores, scale));
        }
        if (groups != 1) {
            scores = scores.reshape(batch, heads, queries, keys);
        }
        if (bias != null) {
            scores = scores.add(bias);
        }
        NDArray weights = Dropouts.apply(scores.softmax(-1), dropout, training);
        if (groups != 1) {
            weights = weights.reshape(batch, kvHeads, groups * queries, keys);
        }
        NDArray out = weights.matMul(v);
        return groups == 1 ? out : out.reshape(batch, heads, queries, headDim);
    }
}
