package dev.mmpeft.models.instructblip.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.models.nn.Activations;
import dev.mmpeft.models.nn.Attention;
import dev.mmpeft.models.nn.Dropouts;
import dev.mmpeft.models.nn.Masks;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The few tensor operations the InstructBLIP vision encoder and Q-Former share, on top of the
 * common helpers of {@code dev.mmpeft.models.nn}: activations by their transformers name, the
 * BERT-style additive padding mask, eager attention over all heads at once, dropout in training
 * only, and a parameter broadcast that lands in the activations' manager.
 *
 * <p>Every function starts from an activation (its first operand), never from a parameter, so its
 * result belongs to the caller's per-batch manager (see {@code DJL_NOTES.md}).
 */
public final class BlipOps {
    private BlipOps() {}

    /**
     * Checks that transformers' {@code ACT2FN} name is supported and returns the function.
     *
     * @throws MmpeftException naming the config and the supported names
     */
    public static UnaryOperator<NDArray> activation(String where, String name) {
        try {
            return Activations.of(name);
        } catch (MmpeftException e) {
            throw new MmpeftException(where + ": hidden_act " + e.getMessage(), e);
        }
    }

    /**
     * A BERT-style additive mask {@code [batch, 1, 1, keys]} from a 0/1 mask {@code [batch, keys]}:
     * 0 where attended, {@code float32 min} where not (transformers' extended attention mask).
     */
    public static NDArray additiveMask(NDArray mask) {
        return Masks.padding(mask);
    }

    /**
     * Eager attention over all heads at once: {@code softmax(q k^T * scale + mask) v}.
     *
     * @param q {@code [batch, heads, queries, headDim]}
     * @param k {@code [batch, heads, keys, headDim]}
     * @param v {@code [batch, heads, keys, headDim]}
     * @param mask additive, broadcastable to {@code [batch, heads, queries, keys]}, or null
     * @return {@code [batch, queries, heads * headDim]}
     */
    public static NDArray attention(
            NDArray q, NDArray k, NDArray v, @Nullable NDArray mask, float scale, float dropout, boolean training) {
        return Attention.mergeHeads(Attention.attend(q, k, v, scale, mask, dropout, training));
    }

    /** {@code [batch, seq, heads * headDim]} to {@code [batch, heads, seq, headDim]}. */
    public static NDArray splitHeads(NDArray x, int heads) {
        return Attention.splitHeads(x, heads);
    }

    /** Inverted dropout, active only in training mode with a positive rate (PyTorch semantics). */
    public static NDArray dropout(NDArray x, float rate, boolean training) {
        return Dropouts.apply(x, rate, training);
    }

    /**
     * A parameter broadcast to {@code shape}, computed so that the result belongs to the manager of
     * {@code like} (an activation), not to the model's: zeros of that manager plus the parameter.
     */
    public static NDArray broadcastParameter(Parameter parameter, NDArray like, Shape shape) {
        return like.getManager().zeros(shape, DataType.FLOAT32).add(parameter.getArray());
    }
}
