package dev.mmpeft.models.instructblip.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import dev.mmpeft.core.MmpeftException;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The tensor math the InstructBLIP vision encoder and Q-Former share: activations by their
 * transformers name, BERT-style additive attention masks, eager scaled-dot-product attention over
 * all heads at once, and dropout that is active only in training mode.
 *
 * <p>Every function starts from an activation (its first operand), never from a parameter, so its
 * result lands in the caller's per-batch manager (see {@code DJL_NOTES.md}: otherwise each step
 * leaks into the model's manager).
 */
public final class BlipOps {
    /**
     * The additive mask value for positions that must not be attended to: transformers uses
     * {@code torch.finfo(float32).min}; finite, so a fully masked row gives a uniform softmax rather
     * than NaN.
     */
    public static final float MASK_VALUE = -Float.MAX_VALUE;

    private static final Set<String> ACTIVATIONS =
            Set.of("gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "quick_gelu", "relu", "silu", "swish", "tanh");

    private BlipOps() {}

    /**
     * Checks that transformers' {@code ACT2FN} name is one this SDK implements.
     *
     * @throws MmpeftException naming the field and the supported names
     */
    public static String checkActivation(String where, String name) {
        if (!ACTIVATIONS.contains(name.toLowerCase(Locale.ROOT))) {
            throw new MmpeftException(where + ": hidden_act '" + name + "' is not supported; expected one of " + ACTIVATIONS);
        }
        return name.toLowerCase(Locale.ROOT);
    }

    /** Applies transformers' activation {@code name} ({@code ACT2FN[name]}). */
    public static NDArray activation(String name, NDArray x) {
        switch (name) {
            case "gelu":
                // ACT2FN["gelu"] is nn.GELU() with the exact erf form, as DJL's gelu
                return Activation.gelu(x);
            case "gelu_new":
            case "gelu_pytorch_tanh":
            case "gelu_fast":
                return geluTanh(x);
            case "quick_gelu":
                return x.mul(Activation.sigmoid(x.mul(1.702f)));
            case "relu":
                return Activation.relu(x);
            case "silu":
            case "swish":
                return Activation.swish(x, 1f);
            case "tanh":
                return x.tanh();
            default:
                throw new MmpeftException("unsupported activation '" + name + "'");
        }
    }

    /** GELU's tanh approximation: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    public static NDArray geluTanh(NDArray x) {
        NDArray inner = x.add(x.pow(3).mul(0.044715f)).mul((float) Math.sqrt(2.0 / Math.PI));
        return x.mul(0.5f).mul(inner.tanh().add(1f));
    }

    /**
     * A BERT-style additive mask {@code [batch, 1, 1, keys]} from a 0/1 mask {@code [batch, keys]}:
     * 0 where attended, {@link #MASK_VALUE} where not.
     */
    public static NDArray additiveMask(NDArray mask) {
        NDArray m = mask.toType(DataType.FLOAT32, false);
        // (1 - mask) * min, transformers' get_extended_attention_mask, written (mask - 1) * max so
        // that attended positions get +0 rather than -0
        NDArray additive = m.sub(1f).mul(Float.MAX_VALUE);
        return additive.reshape(new Shape(mask.getShape().get(0), 1, 1, mask.getShape().get(1)));
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
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale);
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray probs = dropout(scores.softmax(-1), dropout, training);
        NDArray context = probs.matMul(v); // [B, H, Lq, D]
        Shape s = context.getShape();
        return context.transpose(0, 2, 1, 3).reshape(new Shape(s.get(0), s.get(2), s.get(1) * s.get(3)));
    }

    /** {@code [batch, seq, heads * headDim]} to {@code [batch, heads, seq, headDim]}. */
    public static NDArray splitHeads(NDArray x, int heads) {
        Shape s = x.getShape();
        return x.reshape(new Shape(s.get(0), s.get(1), heads, s.get(2) / heads)).transpose(0, 2, 1, 3);
    }

    /** Inverted dropout, active only in training mode with a positive rate (PyTorch semantics). */
    public static NDArray dropout(NDArray x, float rate, boolean training) {
        if (!training || rate <= 0f) {
            return x;
        }
        return Dropout.dropout(x, rate, true).singletonOrThrow();
    }

    /**
     * A parameter broadcast to {@code shape}, computed so that the result belongs to the manager of
     * {@code like} (an activation), not to the model's: zeros of that manager plus the parameter.
     */
    public static NDArray broadcastParameter(Parameter parameter, NDArray like, Shape shape) {
        return like.getManager().zeros(shape, DataType.FLOAT32).add(parameter.getArray());
    }
}
