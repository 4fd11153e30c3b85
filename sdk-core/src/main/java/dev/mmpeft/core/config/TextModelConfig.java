package dev.mmpeft.core.config;

/** The configuration of a language model InstructBLIP can use (T5 family or LLaMA family). */
public interface TextModelConfig extends ModelConfig {
    /** Width of the token embeddings. */
    int hiddenSize();

    /** Size of the vocabulary. */
    int vocabSize();

    /** Whether this is an encoder-decoder (T5) rather than a decoder-only model (LLaMA). */
    boolean isEncoderDecoder();

    /** Whether the output head shares the input embedding matrix. */
    boolean tieWordEmbeddings();

    /** The end-of-sequence token ({@code eos_token_id}). */
    int eosTokenId();
}
