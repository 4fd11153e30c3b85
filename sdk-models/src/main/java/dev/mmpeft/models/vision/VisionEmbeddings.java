package dev.mmpeft.models.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.VisionConfig;
import dev.mmpeft.models.nn.Broadcasts;
import dev.mmpeft.models.nn.HfBlock;

/**
 * transformers' {@code InstructBlipVisionEmbeddings}: patch convolution, a learned class token in
 * front, and learned absolute position embeddings added to every position
 * ({@code embeddings.patch_embedding}, {@code embeddings.class_embedding},
 * {@code embeddings.position_embedding}).
 */
public final class VisionEmbeddings extends HfBlock {
    private final int hidden;
    private final int imageSize;
    private final PatchEmbedding patchEmbedding;

    public VisionEmbeddings(VisionConfig config) {
        this.hidden = config.hiddenSize();
        this.imageSize = config.imageSize();
        // declaration order follows transformers' __init__ (class, patch, position)
        declareParameter("class_embedding", Parameter.Type.WEIGHT, new Shape(1, 1, hidden));
        this.patchEmbedding = child("patch_embedding", new PatchEmbedding(3, hidden, config.patchSize()));
        declareParameter("position_embedding", Parameter.Type.WEIGHT, new Shape(1, config.numPatches() + 1, hidden));
    }

    /** {@code pixel_values [batch, 3, size, size]} to {@code [batch, 1 + patches, hidden]}. */
    public NDArray forward(NDArray pixelValues) {
        Shape s = pixelValues.getShape();
        if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) != imageSize || s.get(3) != imageSize) {
            throw new MmpeftException(
                    "pixel_values: expected shape [batch, 3, " + imageSize + ", " + imageSize + "], found " + s);
        }
        long batch = s.get(0);
        NDArray patches = patchEmbedding.forward(pixelValues); // [B, D, g, g]
        patches = patches.reshape(new Shape(batch, hidden, -1)).transpose(0, 2, 1);
        NDArray cls = Broadcasts.parameter(parameter("class_embedding"), patches, new Shape(batch, 1, hidden));
        NDArray embeddings = cls.concat(patches, 1);
        return embeddings.add(array("position_embedding"));
    }
}
