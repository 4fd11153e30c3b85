package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;

/**
 * Key/value positions placed before the real ones in every self-attention layer of a stack, as
 * transformers treats {@code past_key_values} of length {@code P} (prefix tuning): every prefix
 * position is visible to every query, padding stays masked, and the real positions are numbered
 * after the prefix ({@code cache_position = P + ...}).
 *
 * <p>Attached to a {@link PrefixableStack}; the stack extends masks and positions, each attention
 * layer puts its prefix in front of its keys and values.
 */
public interface KeyValuePrefixes {
    /** Whether it currently applies. */
    boolean isActive();

    /** The number of prefix positions {@code P}. */
    int length();

    /**
     * The keys and values of self-attention layer {@code layer}, each
     * {@code [batch, keyValueHeads, P, headDim]}, computed into {@code like}'s manager (an
     * activation of the current pass; never into a parameter's manager).
     */
    NDArray[] keysAndValues(int layer, NDArray like, long batch);
}
