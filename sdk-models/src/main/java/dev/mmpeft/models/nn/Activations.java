package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.mmpeft.core.MmpeftException;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The activation functions of transformers' {@code ACT2FN} table, by the names configs use
 * ({@code hidden_act}, {@code dense_act_fn}), computed exactly as transformers writes them.
 *
 * <p>The distinction matters: {@code gelu} is the erf form, while {@code gelu_new} (T5 v1.1 and
 * Flan-T5's gated-gelu) is the tanh approximation; mixing them up shifts every activation by up to
 * 1e-3 and breaks numerical parity with checkpoints.
 */
public final class Activations {
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

    /** The names {@link #of(String)} accepts. */
    public static final List<String> NAMES =
            List.of("gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "quick_gelu", "relu", "relu6", "silu", "swish", "sigmoid", "tanh", "linear");

    private Activations() {}

    /**
     * The activation a config's {@code hidden_act} names, with the config in the error message.
     *
     * @param where the config that names it ({@code vision_config}, {@code qformer_config})
     * @throws MmpeftException naming the config, the bad value and the supported ones
     */
    public static UnaryOperator<NDArray> of(String where, String name) {
        try {
            return of(name);
        } catch (MmpeftException e) {
            throw new MmpeftException(where + ": hidden_act " + e.getMessage(), e);
        }
    }

    /**
     * The activation transformers maps {@code name} to.
     *
     * @throws MmpeftException naming the bad value and listing the supported ones
     */
    public static UnaryOperator<NDArray> of(String name) {
        switch (name) {
            case "gelu":
                return Activations::gelu;
            case "gelu_new":
            case "gelu_pytorch_tanh":
                return Activations::geluNew;
            case "gelu_fast":
                return Activations::geluFast;
            case "quick_gelu":
                return Activations::quickGelu;
            case "relu":
                return Activation::relu;
            case "relu6":
                return Activation::relu6;
            case "silu":
            case "swish":
                return Activations::silu;
            case "sigmoid":
                return Activation::sigmoid;
            case "tanh":
                return NDArray::tanh;
            case "linear":
                return x -> x;
            default:
                throw new MmpeftException("activation '" + name + "' is not supported; expected one of " + NAMES);
        }
    }

    /** GELU, erf form: {@code 0.5 x (1 + erf(x / sqrt 2))} (transformers' {@code gelu}). */
    public static NDArray gelu(NDArray x) {
        return Activation.gelu(x);
    }

    /**
     * GELU, tanh approximation, as transformers' {@code NewGELUActivation}:
     * {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}.
     */
    public static NDArray geluNew(NDArray x) {
        NDArray cube = x.pow(Scalars.of(x, 3f));
        NDArray inner = x.add(cube.mul(Scalars.of(cube, 0.044715f))).mul(Scalars.of(x, SQRT_2_OVER_PI));
        return x.mul(Scalars.of(x, 0.5f)).mul(inner.tanh().add(1f));
    }

    /** transformers' {@code FastGELUActivation}: {@code 0.5 x (1 + tanh(x * 0.7978845608 (1 + 0.044715 x^2)))}. */
    public static NDArray geluFast(NDArray x) {
        NDArray sq = x.square();
        NDArray inner = x.mul(Scalars.of(x, 0.7978845608f)).mul(sq.mul(Scalars.of(sq, 0.044715f)).add(1f));
        return x.mul(Scalars.of(x, 0.5f)).mul(inner.tanh().add(1f));
    }

    /** transformers' {@code QuickGELUActivation}: {@code x * sigmoid(1.702 x)}. */
    public static NDArray quickGelu(NDArray x) {
        return x.mul(Activation.sigmoid(x.mul(Scalars.of(x, 1.702f))));
    }

    /** SiLU (swish with beta 1): {@code x * sigmoid(x)}. */
    public static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }
}
