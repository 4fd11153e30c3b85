package dev.mmpeft.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.jspecify.annotations.Nullable;

/**
 * transformers' default rotary position embedding ({@code LlamaRotaryEmbedding} with
 * {@code rope_type="default"}): {@code inv_freq = 1 / theta^(2i/head_dim)}, angles
 * {@code position * inv_freq} in float32, duplicated over both halves of the head, applied with
 * {@code rotate_half} ({@code q * cos + rotate_half(q) * sin}).
 *
 * <p>The float32 arithmetic is done with the engine's own kernels, as transformers does: angles
 * grow with the position, and computing them in double precision instead would shift the cosines
 * of late positions by more than the tolerance a port must meet.
 */
public final class RotaryEmbedding {
    private final int headDim;
    private final double theta;
    private volatile float @Nullable [] invFreq;

    RotaryEmbedding(int headDim, double theta) {
        this.headDim = headDim;
        this.theta = theta;
    }

    /** The inverse frequencies ({@code inv_freq}, length {@code head_dim / 2}), computed on first use. */
    public float[] invFreq(NDManager scratch) {
        float[] f = invFreq;
        if (f == null) {
            try (NDManager m = scratch.newSubManager()) {
                NDArray exponent = m.arange(0, headDim, 2, DataType.INT64).toType(DataType.FLOAT32, false).div((float) headDim);
                NDArray base = m.full(exponent.getShape(), (float) theta, DataType.FLOAT32);
                NDArray inv = base.pow(exponent);
                f = inv.onesLike().div(inv).toFloatArray();
            }
            invFreq = f;
        }
        return f.clone();
    }

    /**
     * Cosines and sines {@code [batch, 1, length, head_dim]} for integer positions
     * {@code [batch, length]}; in the positions' manager.
     */
    NDArray[] cosSin(NDArray positions) {
        float[] f = invFreq(positions.getManager());
        NDArray inv = positions.getManager().create(f, new Shape(f.length));
        NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(inv);
        NDArray emb = NDArrays.concat(new NDList(freqs, freqs), -1);
        return new NDArray[] {emb.cos().expandDims(1), emb.sin().expandDims(1)};
    }

    /** {@code x * cos + rotate_half(x) * sin} for {@code x [batch, heads, length, head_dim]}. */
    static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        NDList halves = x.split(2, x.getShape().dimension() - 1);
        NDArray rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    int headDim() {
        return headDim;
    }
}
