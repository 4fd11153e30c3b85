package dev.mmpeft.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import org.immutables.value.Value;

/**
 * transformers' {@code T5Config} (T5, T5 v1.1, Flan-T5), with its defaults.
 *
 * <p>{@code feed_forward_proj} is {@code relu} (T5) or {@code gated-gelu} (T5 v1.1, Flan-T5);
 * as in transformers, {@code gated-gelu} means the tanh-approximated {@code gelu_new}.
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

    /** Whether the feed-forward is gated ({@code wi_0}, {@code wi_1}) rather than single ({@code wi}). */
    public boolean isGatedAct() {
        return feedForwardProj().split("-")[0].equals("gated");
    }

    /** The activation name as transformers resolves it ({@code relu}, {@code gelu_new}, ...). */
    public String denseActFn() {
        if (feedForwardProj().equals("gated-gelu")) {
            return "gelu_new";
        }
        String[] parts = feedForwardProj().split("-");
        return parts[parts.length - 1];
    }

    @Value.Check
    protected void check() {
        String[] parts = feedForwardProj().split("-");
        if (parts.length > 2 || (parts.length == 2 && !parts[0].equals("gated"))) {
            throw new ConfigException(
                    "t5 config: feed_forward_proj '" + feedForwardProj() + "' must be ACT or gated-ACT (relu, gated-gelu, ...)");
        }
        Configs.positive("t5 config", "d_model", dModel());
        Configs.positive("t5 config", "num_heads", numHeads());
        Configs.positive("t5 config", "d_kv", dKv());
    }

    /** Reads a T5 config object; {@code source} names it in errors. */
    static T5Config read(ConfigReader r) {
        ImmutableT5Config.Builder b = ImmutableT5Config.builder();
        r.optInt("vocab_size").ifPresent(b::vocabSize);
        r.optInt("d_model").ifPresent(b::dModel);
        r.optInt("d_kv").ifPresent(b::dKv);
        r.optInt("d_ff").ifPresent(b::dFf);
        r.optInt("num_layers").ifPresent(b::numLayers);
        r.optInt("num_decoder_layers").ifPresent(b::numDecoderLayers);
        r.optInt("num_heads").ifPresent(b::numHeads);
        r.optInt("relative_attention_num_buckets").ifPresent(b::relativeAttentionNumBuckets);
        r.optInt("relative_attention_max_distance").ifPresent(b::relativeAttentionMaxDistance);
        r.optDouble("dropout_rate").ifPresent(b::dropoutRate);
        r.optDouble("layer_norm_epsilon").ifPresent(b::layerNormEpsilon);
        r.optString("feed_forward_proj").ifPresent(b::feedForwardProj);
        if (r.has("tie_word_embeddings")) {
            b.tieWordEmbeddings(r.boolOr("tie_word_embeddings", true));
        }
        r.optTokenId("pad_token_id").ifPresent(b::padTokenId);
        r.optTokenId("eos_token_id").ifPresent(b::eosTokenId);
        r.optTokenId("decoder_start_token_id").ifPresent(b::decoderStartTokenId);
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
        n.put("tie_word_embeddings", tieWordEmbeddings());
        n.put("is_encoder_decoder", true);
        n.put("pad_token_id", padTokenId());
        n.put("eos_token_id", eosTokenId());
        n.put("decoder_start_token_id", decoderStartTokenId());
        return n;
    }

    public static ImmutableT5Config.Builder builder() {
        return ImmutableT5Config.builder();
    }
}
