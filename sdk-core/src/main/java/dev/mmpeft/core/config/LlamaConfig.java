package dev.mmpeft.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import java.util.Optional;
import org.immutables.value.Value;

/** transformers' {@code LlamaConfig} (LLaMA, Llama 2, Vicuna), with its defaults. */
@Value.Immutable
public abstract class LlamaConfig implements TextModelConfig {
    @Override
    public String modelType() {
        return "llama";
    }

    @Override
    @Value.Default
    public int vocabSize() {
        return 32000;
    }

    @Override
    @Value.Default
    public int hiddenSize() {
        return 4096;
    }

    @Value.Default
    public int intermediateSize() {
        return 11008;
    }

    @Value.Default
    public int numHiddenLayers() {
        return 32;
    }

    @Value.Default
    public int numAttentionHeads() {
        return 32;
    }

    /** Key/value heads for grouped-query attention; transformers uses the attention heads when absent. */
    @Value.Default
    public int numKeyValueHeads() {
        return numAttentionHeads();
    }

    /** Per-head width; transformers uses hidden_size / num_attention_heads when absent. */
    @Value.Default
    public int headDim() {
        // computed before check() runs: a zero head count is reported there, not as a division by zero
        return numAttentionHeads() == 0 ? 0 : hiddenSize() / numAttentionHeads();
    }

    @Value.Default
    public String hiddenAct() {
        return "silu";
    }

    @Value.Default
    public int maxPositionEmbeddings() {
        return 2048;
    }

    @Value.Default
    public double rmsNormEps() {
        return 1e-6;
    }

    @Value.Default
    public double ropeTheta() {
        return 10000.0;
    }

    @Value.Default
    public boolean attentionBias() {
        return false;
    }

    @Value.Default
    public boolean mlpBias() {
        return false;
    }

    @Override
    @Value.Default
    public boolean tieWordEmbeddings() {
        return false;
    }

    @Value.Default
    public int bosTokenId() {
        return 1;
    }

    @Value.Default
    public int eosTokenId() {
        return 2;
    }

    public abstract Optional<Integer> padTokenId();

    @Override
    public boolean isEncoderDecoder() {
        return false;
    }

    @Value.Check
    protected void check() {
        String w = "llama config";
        Configs.positive(w, "vocab_size", vocabSize());
        Configs.positive(w, "hidden_size", hiddenSize());
        Configs.positive(w, "intermediate_size", intermediateSize());
        Configs.nonNegative(w, "num_hidden_layers", numHiddenLayers());
        Configs.positive(w, "num_attention_heads", numAttentionHeads());
        Configs.positive(w, "num_key_value_heads", numKeyValueHeads());
        Configs.positive(w, "head_dim", headDim());
        Configs.productFits(w, "head_dim", headDim(), "num_attention_heads", numAttentionHeads());
        Configs.positive(w, "max_position_embeddings", maxPositionEmbeddings());
        Configs.nonNegative(w, "rms_norm_eps", rmsNormEps());
        if (!(ropeTheta() > 0)) {
            throw new ConfigException(w + ": rope_theta must be > 0, got " + ropeTheta());
        }
        if (numAttentionHeads() % numKeyValueHeads() != 0) {
            throw new ConfigException(
                    "llama config: num_attention_heads " + numAttentionHeads() + " must be a multiple of num_key_value_heads " + numKeyValueHeads());
        }
    }

    static LlamaConfig read(ConfigReader r) {
        if (r.has("rope_scaling")) {
            throw r.invalid("rope_scaling", "is not supported yet (found " + ConfigReader.clip(r.node().get("rope_scaling")) + "); expected it absent or null");
        }
        Builder b = builder();
        r.optInt("vocab_size").ifPresent(b::vocabSize);
        r.optInt("hidden_size").ifPresent(b::hiddenSize);
        r.optInt("intermediate_size").ifPresent(b::intermediateSize);
        r.optInt("num_hidden_layers").ifPresent(b::numHiddenLayers);
        r.optInt("num_attention_heads").ifPresent(b::numAttentionHeads);
        r.optInt("num_key_value_heads").ifPresent(b::numKeyValueHeads);
        r.optInt("head_dim").ifPresent(b::headDim);
        r.optString("hidden_act").ifPresent(b::hiddenAct);
        r.optInt("max_position_embeddings").ifPresent(b::maxPositionEmbeddings);
        r.optDouble("rms_norm_eps").ifPresent(b::rmsNormEps);
        r.optDouble("rope_theta").ifPresent(b::ropeTheta);
        r.optBoolean("attention_bias").ifPresent(b::attentionBias);
        r.optBoolean("mlp_bias").ifPresent(b::mlpBias);
        r.optBoolean("tie_word_embeddings").ifPresent(b::tieWordEmbeddings);
        r.optTokenId("bos_token_id").ifPresent(b::bosTokenId);
        r.optTokenId("eos_token_id").ifPresent(b::eosTokenId);
        r.optTokenId("pad_token_id").ifPresent(b::padTokenId);
        return Configs.build(r, b::build);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode n = Json.mapper().createObjectNode();
        n.putArray("architectures").add("LlamaForCausalLM");
        n.put("model_type", "llama");
        n.put("vocab_size", vocabSize());
        n.put("hidden_size", hiddenSize());
        n.put("intermediate_size", intermediateSize());
        n.put("num_hidden_layers", numHiddenLayers());
        n.put("num_attention_heads", numAttentionHeads());
        n.put("num_key_value_heads", numKeyValueHeads());
        n.put("head_dim", headDim());
        n.put("hidden_act", hiddenAct());
        n.put("max_position_embeddings", maxPositionEmbeddings());
        n.put("rms_norm_eps", rmsNormEps());
        n.put("rope_theta", ropeTheta());
        n.put("attention_bias", attentionBias());
        n.put("mlp_bias", mlpBias());
        n.put("tie_word_embeddings", tieWordEmbeddings());
        n.put("bos_token_id", bosTokenId());
        n.put("eos_token_id", eosTokenId());
        padTokenId().ifPresent(p -> n.put("pad_token_id", p));
        return n;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link LlamaConfig}; {@code build()} validates it. */
    public static class Builder extends ImmutableLlamaConfig.Builder {}
}
