package dev.mmpeft.models.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.models.nn.Attention;
import dev.mmpeft.models.nn.Embedding;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.KvCache;
import dev.mmpeft.models.nn.Linear;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code T5Attention}: projections {@code q}, {@code k}, {@code v}, {@code o} without
 * bias, no {@code 1/sqrt(d)} score scaling (T5 folds it into the initialisation), and in the first
 * block of each stack the {@code relative_attention_bias} table {@code [num_buckets, num_heads]}.
 */
public final class T5Attention extends HfBlock {
    private final int heads;
    private final float dropout;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear o;
    private final @Nullable Embedding relativeAttentionBias;
    private final @Nullable RelativePositionBuckets buckets;

    T5Attention(T5Config config, boolean hasRelativeBias, boolean bidirectional) {
        this.heads = config.numHeads();
        this.dropout = (float) config.dropoutRate();
        int inner = config.numHeads() * config.dKv();
        this.q = child("q", new Linear(config.dModel(), inner, false));
        this.k = child("k", new Linear(config.dModel(), inner, false));
        this.v = child("v", new Linear(config.dModel(), inner, false));
        this.o = child("o", new Linear(inner, config.dModel(), false));
        if (hasRelativeBias) {
            this.relativeAttentionBias =
                    child("relative_attention_bias", new Embedding(config.relativeAttentionNumBuckets(), config.numHeads()));
            this.buckets = new RelativePositionBuckets(
                    bidirectional, config.relativeAttentionNumBuckets(), config.relativeAttentionMaxDistance());
        } else {
            this.relativeAttentionBias = null;
            this.buckets = null;
        }
    }

    public Linear q() {
        return q;
    }

    public Linear k() {
        return k;
    }

    public Linear v() {
        return v;
    }

    public Linear o() {
        return o;
    }

    /** The relative position table, present in block 0 of each stack only. */
    public @Nullable Embedding relativeAttentionBias() {
        return relativeAttentionBias;
    }

    /**
     * The relative position bias {@code [1, heads, queries, keys]} for queries at absolute positions
     * {@code pastLength ..} ({@code T5Attention.compute_bias}); {@code like} supplies the manager.
     */
    NDArray positionBias(NDArray like, int queries, int keys, int pastLength) {
        if (relativeAttentionBias == null || buckets == null) {
            throw new IllegalStateException("this attention layer has no relative_attention_bias");
        }
        long[] table = buckets.table(like.getManager(), queries, keys, pastLength);
        NDArray ids = like.getManager().create(table, new Shape(queries, keys));
        // [q, k, heads] -> [1, heads, q, k]
        return relativeAttentionBias.forward(ids).transpose(2, 0, 1).expandDims(0);
    }

    /**
     * Attention of {@code hidden [batch, queries, d_model]} over itself (self-attention) or over
     * {@code keyValueStates} (cross-attention).
     *
     * @param bias position bias plus mask, broadcastable to {@code [batch, heads, queries, keys]}
     * @param cache past keys/values; for self-attention the new ones are appended, for
     *     cross-attention they are computed on the first call and reused after
     * @param prefix self-attention only: prefix keys and values put before all others
     *     ({@code [batch, heads, P, d_kv]} each), or null
     */
    NDArray forward(
            NDArray hidden,
            @Nullable NDArray keyValueStates,
            NDArray bias,
            @Nullable KvCache cache,
            int layerIndex,
            NDArray @Nullable [] prefix) {
        NDArray query = Attention.splitHeads(q.forward(hidden), heads);
        NDArray key;
        NDArray value;
        boolean cross = keyValueStates != null;
        if (cross && cache != null && cache.has(layerIndex)) {
            key = cache.keys(layerIndex);
            value = cache.values(layerIndex);
        } else {
            NDArray source = cross ? keyValueStates : hidden;
            key = Attention.splitHeads(k.forward(source), heads);
            value = Attention.splitHeads(v.forward(source), heads);
            if (cache != null) {
                if (cross) {
                    cache.put(layerIndex, key, value);
                } else {
                    NDArray[] full = cache.append(layerIndex, key, value);
                    key = full[0];
                    value = full[1];
                }
            }
        }
        if (prefix != null) {
            // prefix tuning: the prefix is past_key_values, never stored in the cache
            key = prefix[0].concat(key, 2);
            value = prefix[1].concat(value, 2);
        }
        NDArray context = Attention.attend(query, key, value, 1f, bias, dropout, isTraining());
        return o.forward(Attention.mergeHeads(context));
    }
}
