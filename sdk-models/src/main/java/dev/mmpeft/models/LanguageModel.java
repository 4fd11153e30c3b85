package dev.mmpeft.models;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.Component;
import dev.mmpeft.models.nn.HfBlock;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What InstructBLIP needs from its language model, whatever the family: an encoder-decoder (T5,
 * Flan-T5: {@code T5ForConditionalGeneration}) or a decoder-only model (LLaMA, Vicuna:
 * {@code LlamaForCausalLM}).
 *
 * <p>Everything is driven from input embeddings, because InstructBLIP feeds the LLM its
 * projected query outputs in front of (or in place of placeholder tokens among) the prompt's
 * token embeddings. Semantics, masks and losses follow transformers exactly.
 */
public interface LanguageModel {
    /** The Hugging Face {@code model_type} ({@code t5}, {@code llama}). */
    String modelType();

    /** True for T5-style encoder-decoders, false for decoder-only models. */
    boolean isEncoderDecoder();

    /** Width of the input embeddings ({@code d_model} / {@code hidden_size}). */
    int hiddenSize();

    /** Size of the output vocabulary. */
    int vocabSize();

    /** The block tree (its parameter names are the HF names below {@code language_model.}). */
    HfBlock block();

    /** Input token embeddings of {@code ids [batch, seq]}: {@code [batch, seq, hidden]}. */
    NDArray embedTokens(NDArray ids);

    /**
     * One forward pass as transformers computes it.
     *
     * <p>Encoder-decoder: {@code inputsEmbeds}/{@code attentionMask} feed the encoder; the decoder
     * reads {@code decoderInputIds}, or, when null and {@code labels} are given, the labels shifted
     * right with the decoder start token (-100 replaced by the pad id); the loss is the mean token
     * cross-entropy over labels != -100.
     *
     * <p>Decoder-only: {@code decoderInputIds}/{@code decoderAttentionMask} must be null; logits
     * cover every position of {@code inputsEmbeds}; with {@code labels} (aligned with the
     * <em>last</em> {@code labels.size(1)} positions, -100 ignored) the loss is the mean
     * next-token cross-entropy of transformers' causal LM loss.
     *
     * @param attentionMask {@code [batch, seq]}, 1 for tokens to attend to, 0 for padding
     */
    LmOutput forward(
            NDArray inputsEmbeds,
            NDArray attentionMask,
            @Nullable NDArray decoderInputIds,
            @Nullable NDArray decoderAttentionMask,
            @Nullable NDArray labels);

    /**
     * The Hugging Face module names (relative to this model, e.g. {@code encoder.block.0.layer.0.SelfAttention.q})
     * of the linear layers that make up an LLM component ({@link Component#LLM_ATTN},
     * {@link Component#LLM_FFN}); empty for components that are not the LLM's.
     */
    Set<String> modulesOf(Component component);

    /** The logits and, when labels were given, the loss of a forward pass. */
    interface LmOutput {
        /** {@code [batch, positions, vocab]}: decoder positions for encoder-decoders. */
        NDArray logits();

        /** Scalar mean loss, when labels were given. */
        Optional<NDArray> loss();
    }
}
