package dev.mmpeft.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.TextModelConfig;
import dev.mmpeft.models.nn.HfBlock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
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
 *
 * <p>Generation and candidate scoring ({@code dev.mmpeft.models.generation}) work on any
 * implementation through {@link #startDecoding}.
 */
public interface LanguageModel {
    /** The configuration the model was built from. */
    TextModelConfig config();

    /** The Hugging Face {@code model_type} ({@code t5}, {@code llama}). */
    default String modelType() {
        return config().modelType();
    }

    /** True for T5-style encoder-decoders, false for decoder-only models. */
    default boolean isEncoderDecoder() {
        return config().isEncoderDecoder();
    }

    /** Width of the input embeddings ({@code d_model} / {@code hidden_size}). */
    default int hiddenSize() {
        return config().hiddenSize();
    }

    /** Size of the output vocabulary. */
    default int vocabSize() {
        return config().vocabSize();
    }

    /** The end-of-sequence token generation stops at ({@code eos_token_id}). */
    default int eosTokenId() {
        return config().eosTokenId();
    }

    /** The padding token, when the config names one ({@code pad_token_id}). */
    OptionalInt padTokenId();

    /** The decoder's first token for encoder-decoders ({@code decoder_start_token_id}); empty otherwise. */
    OptionalInt decoderStartTokenId();

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
     * next-token cross-entropy of transformers' causal LM loss. Position ids are
     * {@code 0..seq-1} whatever the padding, as transformers' forward uses when none are given.
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

    /**
     * Checkpoint tensor names (relative to this model) that may be present without being
     * parameters: tied aliases ({@code encoder.embed_tokens.weight}, {@code lm_head.weight} when
     * tied) and buffers older exports saved ({@code rotary_emb.inv_freq}). Loading ignores them.
     */
    Set<String> ignoredCheckpointNames();

    /**
     * For parameters a checkpoint may store under another name only (a tied embedding saved as
     * {@code encoder.embed_tokens.weight}), the alternative names to load it from, in order, when
     * its own name is absent. Names are relative to this model.
     */
    Map<String, List<String>> checkpointAliases();

    /**
     * Starts token-by-token decoding from a prompt, the basis of generation and scoring.
     *
     * <p>Encoder-decoder: the prompt is encoded once; the decoder starts from
     * {@link #decoderStartTokenId()}. Decoder-only: the prompt is the prefix; position ids follow
     * transformers' {@code generate} ({@code cumsum(attention_mask) - 1}, so left padding does not
     * shift positions), not its plain forward.
     *
     * @param inputsEmbeds {@code [batch, seq, hidden]}
     * @param attentionMask {@code [batch, seq]}
     * @param expand rows per example ({@code num_beams}): row {@code b * expand + j} is example {@code b}
     * @param useCache keep past keys and values (a KV cache) rather than recompute the whole
     *     sequence at every step; both give the same logits up to float rounding
     */
    DecodingSession startDecoding(NDArray inputsEmbeds, NDArray attentionMask, int expand, boolean useCache);

    /** The logits and, when labels were given, the loss of a forward pass. */
    interface LmOutput {
        /** {@code [batch, positions, vocab]}: decoder positions for encoder-decoders. */
        NDArray logits();

        /** Scalar mean loss, when labels were given. */
        Optional<NDArray> loss();

        /** An output of these arrays ({@code loss} null when no labels were given). */
        static LmOutput of(NDArray logits, @Nullable NDArray loss) {
            Optional<NDArray> l = Optional.ofNullable(loss);
            return new LmOutput() {
                @Override
                public NDArray logits() {
                    return logits;
                }

                @Override
                public Optional<NDArray> loss() {
                    return l;
                }
            };
        }
    }

    /**
     * The state of an incremental decode: which tokens each row has seen, and its KV cache. Owns
     * its arrays; close it when done.
     */
    interface DecodingSession extends AutoCloseable {
        /** Number of rows (examples times expansion). */
        int rows();

        /**
         * Logits {@code [rows, vocab]} (float32, in {@code scope}) of the first generated token:
         * after the prompt (decoder-only) or after the decoder start token (encoder-decoder). Call
         * once, first.
         */
        NDArray first(NDManager scope);

        /** Feeds one token per row and returns the logits {@code [rows, vocab]} of the next one, in {@code scope}. */
        NDArray next(NDManager scope, long[] tokens);

        /** Reorders rows: row {@code i} continues from former row {@code rows[i]} (beam search). */
        void reorder(long[] rows);

        /**
         * Keeps only the rows at positions {@code rows} (ascending), dropping the others with their
         * cache and encoder outputs: {@link #rows()} becomes {@code rows.length} and row {@code i}
         * continues as former row {@code rows[i]}. Why: greedy decoding stops computing rows that
         * have finished instead of feeding them padding until the longest row ends.
         */
        void retain(long[] rows);

        @Override
        void close();
    }
}
