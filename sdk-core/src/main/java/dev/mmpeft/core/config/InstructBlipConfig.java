package dev.mmpeft.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.io.Json;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * transformers' {@code InstructBlipConfig}: the vision encoder, the Q-Former and the language
 * model ({@link T5Config} or {@link LlamaConfig}), plus the number of query tokens.
 *
 * <p>As in transformers, the Q-Former's {@code encoder_hidden_size} always equals the vision
 * encoder's {@code hidden_size}, whatever the file says.
 */
@Value.Immutable
public abstract class InstructBlipConfig implements ModelConfig {
    @Override
    public String modelType() {
        return "instructblip";
    }

    public abstract VisionConfig visionConfig();

    public abstract QFormerConfig qformerConfig();

    public abstract TextModelConfig textConfig();

    @Value.Default
    public int numQueryTokens() {
        return 32;
    }

    /**
     * The id of the image placeholder token, when the checkpoint uses one (newer transformers
     * expand {@code num_query_tokens} such tokens in {@code input_ids} and replace their embeddings
     * with the projected queries; older ones concatenate the queries in front).
     */
    public abstract Optional<Integer> imageTokenId();

    /** Whether the language model is decoder-only (LLaMA) rather than an encoder-decoder (T5). */
    public boolean useDecoderOnlyLanguageModel() {
        return !textConfig().isEncoderDecoder();
    }

    @Value.Check
    protected InstructBlipConfig normalize() {
        Configs.positive("instructblip config", "num_query_tokens", numQueryTokens());
        if (qformerConfig().encoderHiddenSize() != visionConfig().hiddenSize()) {
            return toBuilder()
                    .qformerConfig(qformerConfig().toBuilder().encoderHiddenSize(visionConfig().hiddenSize()).build())
                    .build();
        }
        return this;
    }

    static InstructBlipConfig read(ConfigReader r) {
        Builder b = builder();
        b.visionConfig(r.optObject("vision_config").map(VisionConfig::read).orElseGet(() -> VisionConfig.builder().build()));
        b.qformerConfig(r.optObject("qformer_config").map(QFormerConfig::read).orElseGet(() -> QFormerConfig.builder().build()));
        if (!r.has("text_config")) {
            // transformers would fall back to an OPT language model, which mmpeft does not implement
            throw new ConfigException(
                    r.source() + ": required field 'text_config' is missing; expected the language model's config (model_type t5 or llama)");
        }
        ConfigReader text = r.requireObject("text_config");
        b.textConfig(Configs.readText(text));
        r.optInt("num_query_tokens").ifPresent(b::numQueryTokens);
        Optional<Integer> imageToken = r.optInt("image_token_id");
        if (imageToken.isEmpty()) {
            imageToken = r.optInt("image_token_index");
        }
        imageToken.ifPresent(b::imageTokenId);
        return Configs.build(r, b::build);
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode n = Json.mapper().createObjectNode();
        n.putArray("architectures").add("InstructBlipForConditionalGeneration");
        n.put("model_type", "instructblip");
        n.put("num_query_tokens", numQueryTokens());
        imageTokenId().ifPresent(id -> n.put("image_token_index", id));
        n.set("vision_config", visionConfig().toJson());
        n.set("qformer_config", qformerConfig().toJson());
        n.set("text_config", textConfig().toJson());
        n.put("use_decoder_only_language_model", useDecoderOnlyLanguageModel());
        return n;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link InstructBlipConfig}; {@code build()} validates it. */
    public static class Builder extends ImmutableInstructBlipConfig.Builder {}
}
