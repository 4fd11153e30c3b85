package dev.mmpeft.models.instructblip;

import ai.djl.ndarray.NDArray;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * One batch of model inputs under transformers' names (what {@code InstructBlipProcessor} plus
 * the training code produce, and what {@code ./mmpeft forward} reads from a safetensors file).
 *
 * <p>Integer tensors may be int32 or int64. For a T5 backbone {@code labels} feed the decoder
 * (shifted right) unless {@code decoder_input_ids} are given; for a LLaMA backbone they cover the
 * last {@code labels.size(1)} positions of the language model's input (the whole input when the
 * query outputs replace {@code image_token_id} placeholders; the text part when they are
 * concatenated in front).
 */
@Value.Immutable
public abstract class InstructBlipInputs {
    /** {@code [batch, 3, image_size, image_size]} float32. */
    public abstract NDArray pixelValues();

    /** Instruction ids for the Q-Former {@code [batch, qlen]}. */
    public abstract NDArray qformerInputIds();

    /** 0/1 mask over {@code qformer_input_ids}; all ones when absent. */
    public abstract Optional<NDArray> qformerAttentionMask();

    /** Prompt ids for the language model {@code [batch, len]}. */
    public abstract NDArray inputIds();

    /** 0/1 mask over {@code input_ids}; all ones when absent. */
    public abstract Optional<NDArray> attentionMask();

    /** Decoder inputs (T5 only); derived from the labels when absent. */
    public abstract Optional<NDArray> decoderInputIds();

    /** Decoder mask (T5 only). */
    public abstract Optional<NDArray> decoderAttentionMask();

    /** Target ids, -100 where no loss is taken. */
    public abstract Optional<NDArray> labels();

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link InstructBlipInputs}; {@code build()} validates it. */
    public static class Builder extends ImmutableInstructBlipInputs.Builder {}
}
