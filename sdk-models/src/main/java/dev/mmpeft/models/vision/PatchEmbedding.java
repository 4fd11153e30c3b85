package dev.mmpeft.models.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import dev.mmpeft.models.nn.HfBlock;

/**
 * PyTorch's {@code nn.Conv2d(3, hidden, kernel_size=patch, stride=patch)}: cuts an image into
 * non-overlapping patches and projects each to the hidden width, with {@code weight
 * [hidden, 3, patch, patch]} and {@code bias [hidden]}.
 */
public final class PatchEmbedding extends HfBlock {
    private final int patchSize;

    public PatchEmbedding(int channels, int hidden, int patchSize) {
        this.patchSize = patchSize;
        declareParameter("weight", Parameter.Type.WEIGHT, new Shape(hidden, channels, patchSize, patchSize));
        declareParameter("bias", Parameter.Type.BIAS, new Shape(hidden));
    }

    /** {@code [batch, 3, H, W]} to {@code [batch, hidden, H / patch, W / patch]}. */
    public NDArray forward(NDArray pixels) {
        return Conv2d.conv2d(pixels, array("weight"), array("bias"), new Shape(patchSize, patchSize))
                .singletonOrThrow();
    }
}
