package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/** PyTorch's {@code nn.LayerNorm} over the last dimension, with {@code weight} and {@code bias}. */
public final class LayerNorm extends HfBlock {
    private final int dim;
    private final float eps;

    public LayerNorm(int dim, float eps) {
        this.dim = dim;
        this.eps = eps;
        declareParameter("weight", Parameter.Type.GAMMA, new Shape(dim));
        declareParameter("bias", Parameter.Type.BETA, new Shape(dim));
    }

    public float eps() {
        return eps;
    }

    public NDArray forward(NDArray x) {
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(dim), array("weight"), array("bias"), eps)
                .singletonOrThrow();
    }
}
