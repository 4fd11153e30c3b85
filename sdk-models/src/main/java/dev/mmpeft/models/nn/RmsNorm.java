package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * Root-mean-square layer norm as transformers' {@code T5LayerNorm} and {@code LlamaRMSNorm}
 * compute it: {@code weight * x / sqrt(mean(x^2) + eps)} over the last dimension, with no mean
 * subtraction and no bias, the variance accumulated in float32.
 *
 * <p>One class serves both families because the two are the same function; the parameter is
 * {@code weight} in both.
 */
public final class RmsNorm extends HfBlock {
    private final int dim;
    private final float eps;

    public RmsNorm(int dim, double eps) {
        this.dim = dim;
        // transformers adds the Python float eps to a float32 tensor: the sum happens in float32
        this.eps = (float) eps;
        declareParameter("weight", Parameter.Type.GAMMA, new Shape(dim));
    }

    public int dim() {
        return dim;
    }

    public float eps() {
        return eps;
    }

    /** The scale {@code weight [dim]}. */
    public Parameter weight() {
        return parameter("weight");
    }

    /** Normalizes {@code x [..., dim]}; the result lives in x's manager. */
    public NDArray forward(NDArray x) {
        NDArray h = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray variance = h.square().mean(new int[] {-1}, true);
        // torch.rsqrt on the CPU is 1 / sqrt(v), both correctly rounded: do the same, then multiply
        NDArray std = variance.add(eps).sqrt();
        NDArray inverse = std.onesLike().div(std);
        return h.mul(inverse).mul(array("weight"));
    }
}
