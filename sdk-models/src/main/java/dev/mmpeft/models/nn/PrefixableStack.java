package dev.mmpeft.models.nn;

/**
 * A stack of self-attention layers that takes {@link KeyValuePrefixes} the way transformers takes
 * {@code past_key_values}: T5's decoder, LLaMA's {@code model}. Implemented by blocks, so a PEFT
 * method finds these stacks by type and reads the shapes a prefix must have.
 */
public interface PrefixableStack {
    /** The number of self-attention layers. */
    int selfAttentionLayers();

    /** Key/value heads per layer ({@code num_key_value_heads}, or the attention heads). */
    int keyValueHeads();

    /** The width of one head. */
    int headDim();

    /** The width of the residual stream ({@code d_model}, {@code hidden_size}). */
    int modelWidth();

    /**
     * Whether the stack belongs to an encoder-decoder model (PEFT's {@code num_transformer_submodules}
     * is then 2).
     */
    boolean inEncoderDecoder();

    /** Whether the stack is decoder-side: it is where a language model's {@code past_key_values} go. */
    boolean takesPastKeyValues();

    /**
     * Attaches prefixes under {@code name}; ones that are an {@link HfBlock} also become a child
     * of the stack (their parameters are named {@code <stack>.<name>...}).
     */
    void attachPrefixes(String name, KeyValuePrefixes prefixes);

    /** Detaches prefixes; returns whether some were attached under that name. */
    boolean detachPrefixes(String name);
}
