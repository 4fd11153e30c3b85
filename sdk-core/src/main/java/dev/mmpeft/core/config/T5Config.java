package dev.mmpeft.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import org.immutables.value.Value;

/**
 * transformers' {@code T5Config} (T5, T5 v1.1, Flan-T5), with its defaults.
 *
 * <p>{@code feed_forward_proj} is {@code relu} (T5) or {@code gated-gelu} (T5 v1.1, Flan-T5). As in
 * transformers, the activation ({@link #denseActFn()}) and gating ({@link #isGatedAct()}) are derived
 * from it ({@code gated-gelu} means the tanh-approximated {@code gelu_new}) unless the file sets
 * {@code dense_act_fn} / {@code is_gated_act} itself: transformers applies such extra keys after
 * deriving, so they win. This matters for InstructBLIP: its Flan-T5 {@code text_config} says
 * {@code "dense_act_fn": "gelu"} (the exact erf GELU), not {@code gelu_new}.
 *
 * <p>transformers' aliases {@code hidden_size}, {@code num_attention_heads} and
 * {@code num_hidden_layers} (its {@code attribute_map}) are honoured the same way.
 */
@Value.Immutable
public abstract class T5Config implements TextModelConfig {
    @Override
    public String modelType() {
        return "t5";
    }

    @Override
    @Value.Default
    public int vocabSize() {
        return 32128;
    }

    @Value.Default
    public int dModel() {
        return 512;
    }

    @Value.Default
    public int dKv() {
        return 64;
    }

    @Value.Default
    public int dFf() {
        return 2048;
    }

    @Value.Default
    public int numLayers() {
        return 6;
    }

    /** Decoder depth; transformers uses {@link #numLayers()} when absent. */
    @Value.Default
    public int numDecoderLayers() {
        return numLayers();
    }

    @Value.Default
    public int numHeads() {
        return 8;
    }

    @Value.Default
    public int relativeAttentionNumBuckets() {
        return 32;
    }

    @Value.Default
    public int relativeAttentionMaxDistance() {
        return 128;
    }

    @Value.Default
    public double dropoutRate() {
        return 0.1;
    }

    @Value.Default
    public double layerNormEpsilon() {
        return 1e-6;
    }

    @Value.Default
    public String feedForwardProj() {
        return "relu";
    }

    @Override
    @Value.Default
    public boolean tieWordEmbeddings() {
        return true;
    }

    @Value.Default
    public int padTokenId() {
        return 0;
    }

    @Value.Default
    public int eosTokenId() {
        return 1;
    }

    /** The decoder's first token; T5 checkpoints use the pad id (0). */
    @Value.Default
    public int decoderStartTokenId() {
        return padTokenId();
    }

    @Override
    public int hiddenSize() {
        return dModel();
    }

    @Override
    public boolean isEncoderDecoder() {
        return true;
    }

    /**
     * Whether the feed-forward is gated ({@code wi_0}, {@code wi_1}) rather than single
     * ({@code wi}): {@code feed_forward_proj} starts with {@code gated-}, unless the file's
     * {@code is_gated_act} says otherwise.
     */
    @Value.Default
    public boolean isGatedAct() {
        return feedForwardProj().split("-")[0].equals("gated");
    }

    /**
     * The feed-forward activation as transformers resolves it: the last part of
     * {@code feed_forward_proj} ({@code relu}, {@code gelu}, ...), {@code gelu_new} for
     * {@code gated-gelu}, or the file's {@code dense_act_fn} when present (it wins).
     */
    @Value.Default
    public String denseActFn() {
        if (feedForwardProj().equals("gated-gelu")) {
            return "gelu_new";
        }
        String[] parts = feedForwardProj().split("-");
        return parts[parts.length - 1];
    }

    /** The beginning-of-sequence id, when the file sets one (T5 itself has none). */
    public abstract java.util.Optional<Integer> bosTokenId();

    @Value.Check
    protected void check() {
        String[] parts = feedForwardProj().split("-");
        if (parts.length > 2 || (parts.length == 2 && !parts[0].equals("gated"))) {
            throw new ConfigException(
                    "t5 config: feed_forward_proj '" + feedForwardProj() + "' must be ACT or gated-ACT (relu, gated-gelu, ...)");
        }
        String w = "t5 config";
        Configs.positive(w, "vocab_size", vocabSize());
        Configs.positive(w, "d_model", dModel());
        Configs.positive(w, "num_heads", numHeads());
        Configs.positive(w, "d_kv", dKv());
        Configs.productFits(w, "d_kv", dKv(), "num_heads", numHeads());
        Configs.positive(w, "d_ff", dFf());
        Configs.nonNegative(w, "num_layers", numLayers());
        Configs.nonNegative(w, "num_decoder_layers", numDecoderLayers());
        Configs.positive(w, "relative_attention_num_buckets", relativeAttentionNumBuckets());
        Configs.positive(w, "relative_attention_max_distance", relativeAttentionMaxDistance());
        Configs.probability(w, "dropout_rate", dropoutRate());
        Configs.nonNegative(w, "layer_norm_epsilon", layerNormEpsilon());
    }

    /** Reads a T5 config object; {@code source} names it in errors. */
    static T5Config read(ConfigReader r) {
        Builder b = builder();
        r.optInt("vocab_size").ifPresent(b::vocabSize);
        r.optInt("d_model").ifPresent(b::dModel);
        r.optInt("d_kv").ifPresent(b::dKv);
        r.optInt("d_ff").ifPresent(b::dFf);
        int numLayers = r.intOr("num_layers", 6);
        b.numLayers(numLayers);
        // transformers takes the decoder depth from num_layers as passed, before any alias applies
        b.numDecoderLayers(r.intOr("num_decoder_layers", numLayers));
        r.optInt("num_heads").ifPresent(b::numHeads);
        r.optInt("relative_attention_num_buckets").ifPresent(b::relativeAttentionNumBuckets);
        r.optInt("relative_attention_max_distance").ifPresent(b::relativeAttentionMaxDistance);
        r.optDouble("dropout_rate").ifPresent(b::dropoutRate);
        r.optDouble("layer_norm_epsilon").ifPresent(b::layerNormEpsilon);
        r.optString("feed_forward_proj").ifPresent(b::feedForwardProj);
        // keys transformers sets after deriving them from feed_forward_proj: the file wins
        r.optString("dense_act_fn").ifPresent(b::denseActFn);
        r.optBoolean("is_gated_act").ifPresent(b::isGatedAct);
        r.optBoolean("tie_word_embeddings").ifPresent(b::tieWordEmbeddings);
        r.optTokenId("pad_token_id").ifPresent(b::padTokenId);
        r.optTokenId("eos_token_id").ifPresent(b::eosTokenId);
        r.optTokenId("bos_token_id").ifPresent(b::bosTokenId);
        r.optTokenId("decoder_start_token_id").ifPresent(b::decoderStartTokenId);
        // transformers' attribute_map aliases, applied last as in PretrainedConfig
        r.optInt("hidden_size").ifPresent(b::dModel);
        r.optInt("num_attention_heads").ifPresent(b::numHeads);
        r.optInt("num_hidden_layers").ifPresent(b::numLayers);
        return Configs.build(r, b::build);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode n = Json.mapper().createObjectNode();
        n.putArray("architectures").add("T5ForConditionalGeneration");
        n.put("model_type", "t5");
        n.put("vocab_size", vocabSize());
        n.put("d_model", dModel());
        n.put("d_kv", dKv());
        n.put("d_ff", dFf());
        n.put("num_layers", numLayers());
        n.put("num_decoder_layers", numDecoderLayers());
        n.put("num_heads", numHeads());
        n.put("relative_attention_num_buckets", relativeAttentionNumBuckets());
        n.put("relative_attention_max_distance", relativeAttentionMaxDistance());
        n.put("dropout_rate", dropoutRate());
        n.put("layer_norm_epsilon", layerNormEpsilon());
        n.put("feed_forward_proj", feedForwardProj());
        n.put("dense_act_fn", denseActFn());
        n.put("is_gated_act", isGatedAct());
        n.put("tie_word_embeddings", tieWordEmbeddings());
        n.put("is_encoder_decoder", true);
        n.put("pad_token_id", padTokenId());
        n.put("eos_token_id", eosTokenId());
        bosTokenId().ifPresent(id -> n.put("bos_token_id", id));
        n.put("decoder_start_token_id", decoderStartTokenId());
        return n;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link T5Config}; {@code build()} validates it. */
    public static class Builder extends ImmutableT5Config.Builder {}
}
