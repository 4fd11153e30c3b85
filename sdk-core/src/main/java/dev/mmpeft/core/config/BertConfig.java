package dev.mmpeft.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import org.immutables.value.Value;

/** transformers' {@code BertConfig}, with its defaults: the layers the Q-Former is built from. */
@Value.Immutable
public abstract class BertConfig implements ModelConfig {
    @Override
    public String modelType() {
        return "bert";
    }

    @Value.Default
    public int vocabSize() {
        return 30522;
    }

    @Value.Default
    public int hiddenSize() {
        return 768;
    }

    @Value.Default
    public int numHiddenLayers() {
        return 12;
    }

    @Value.Default
    public int numAttentionHeads() {
        return 12;
    }

    @Value.Default
    public int intermediateSize() {
        return 3072;
    }

    @Value.Default
    public String hiddenAct() {
        return "gelu";
    }

    @Value.Default
    public double hiddenDropoutProb() {
        return 0.1;
    }

    @Value.Default
    public double attentionProbsDropoutProb() {
        return 0.1;
    }

    @Value.Default
    public int maxPositionEmbeddings() {
        return 512;
    }

    @Value.Default
    public int typeVocabSize() {
        return 2;
    }

    @Value.Default
    public double layerNormEps() {
        return 1e-12;
    }

    @Value.Default
    public int padTokenId() {
        return 0;
    }

    @Value.Default
    public String positionEmbeddingType() {
        return "absolute";
    }

    /** Number of classification labels ({@code num_labels}, or the size of {@code id2label}). */
    @Value.Default
    public int numLabels() {
        return 2;
    }

    @Value.Check
    protected void check() {
        String w = "bert config";
        Configs.positive(w, "vocab_size", vocabSize());
        Configs.positive(w, "hidden_size", hiddenSize());
        Configs.divides(w, "hidden_size", hiddenSize(), "num_attention_heads", numAttentionHeads());
        Configs.positive(w, "intermediate_size", intermediateSize());
        Configs.nonNegative(w, "num_hidden_layers", numHiddenLayers());
        Configs.positive(w, "max_position_embeddings", maxPositionEmbeddings());
        Configs.positive(w, "type_vocab_size", typeVocabSize());
        Configs.positive(w, "num_labels", numLabels());
        Configs.probability(w, "hidden_dropout_prob", hiddenDropoutProb());
        Configs.probability(w, "attention_probs_dropout_prob", attentionProbsDropoutProb());
        Configs.nonNegative(w, "layer_norm_eps", layerNormEps());
    }

    static BertConfig read(ConfigReader r) {
        Builder b = builder();
        r.optInt("vocab_size").ifPresent(b::vocabSize);
        r.optInt("hidden_size").ifPresent(b::hiddenSize);
        r.optInt("num_hidden_layers").ifPresent(b::numHiddenLayers);
        r.optInt("num_attention_heads").ifPresent(b::numAttentionHeads);
        r.optInt("intermediate_size").ifPresent(b::intermediateSize);
        r.optString("hidden_act").ifPresent(b::hiddenAct);
        r.optDouble("hidden_dropout_prob").ifPresent(b::hiddenDropoutProb);
        r.optDouble("attention_probs_dropout_prob").ifPresent(b::attentionProbsDropoutProb);
        r.optInt("max_position_embeddings").ifPresent(b::maxPositionEmbeddings);
        r.optInt("type_vocab_size").ifPresent(b::typeVocabSize);
        r.optDouble("layer_norm_eps").ifPresent(b::layerNormEps);
        r.optTokenId("pad_token_id").ifPresent(b::padTokenId);
        r.optString("position_embedding_type").ifPresent(b::positionEmbeddingType);
        // as in PretrainedConfig: id2label, when present, decides the label count over num_labels
        if (r.has("id2label")) {
            if (!r.node().get("id2label").isObject()) {
                throw r.invalid("id2label", "must be an object of label names, found " + ConfigReader.clip(r.node().get("id2label")));
            }
            b.numLabels(r.node().get("id2label").size());
        } else {
            r.optInt("num_labels").ifPresent(b::numLabels);
        }
        return Configs.build(r, b::build);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("model_type", "bert");
        n.put("vocab_size", vocabSize());
        n.put("hidden_size", hiddenSize());
        n.put("num_hidden_layers", numHiddenLayers());
        n.put("num_attention_heads", numAttentionHeads());
        n.put("intermediate_size", intermediateSize());
        n.put("hidden_act", hiddenAct());
        n.put("hidden_dropout_prob", hiddenDropoutProb());
        n.put("attention_probs_dropout_prob", attentionProbsDropoutProb());
        n.put("max_position_embeddings", maxPositionEmbeddings());
        n.put("type_vocab_size", typeVocabSize());
        n.put("layer_norm_eps", layerNormEps());
        n.put("pad_token_id", padTokenId());
        n.put("position_embedding_type", positionEmbeddingType());
        n.put("num_labels", numLabels());
        return n;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link BertConfig}; {@code build()} validates it. */
    public static class Builder extends ImmutableBertConfig.Builder {}
}
