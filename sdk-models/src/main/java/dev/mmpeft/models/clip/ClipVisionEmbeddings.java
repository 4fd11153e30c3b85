package dev.mmpeft.models.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.config.ClipVisionConfig;
import dev.mmpeft.models.nn.Embedding;
import dev.mmpeft.models.nn.HfBlock;

/**
 * transformers' {@code CLIPVisionEmbeddings}: a learned class vector {@code class_embedding [hidden]}
 * in front of the patch projections ({@code patch_embedding}, a strided convolution without bias),
 * plus learned positions ({@code position_embedding.weight [1 + patches, hidden]}).
 *
 * <p>Why not InstructBLIP's embeddings: CLIP's class vector is one-dimensional, its convolution
 * has no bias and its positions are an {@code nn.Embedding}, so the tensor names and shapes differ.
 */
public final class ClipVisionEmbeddings extends HfBlock {
    private final int hidden;
    private final int channels;
    private final int imageSize;
    private final int patchSize;
    private final Embedding positionEmbedding;

    public ClipVisionEmbeddings(ClipVisionConfig config) {
        this.hidden = config.hiddenSize();
        this.channels = config.numChannels();
        this.imageSize = config.imageSize();
        this.patchSize = config.patchSize();
        // declaration order follows transformers' __init__ (class, patch, position)
        declareParameter("class_embedding", Parameter.Type.WEIGHT, new Shape(hidden));
        child("patch_embedding", new PatchConv(channels, hidden, patchSize));
        this.positionEmbedding = child("position_embedding", new Embedding(config.numPositions(), hidden));
    }

    /** {@code pixel_values [batch, channels, size, size]} to {@code [batch, 1 + patches, hidden]}. */
    public NDArray forward(NDArray pixelValues) {
        Shape s = pixelValues.getShape();
        if (s.dimension() != 4 || s.get(1) != channels || s.get(2) != imageSize || s.get(3) != imageSize) {
            throw new MmpeftException("pixel_values: expected shape [batch, " + channels + ", " + imageSize + ", " + imageSize
                    + "] (vision_config num_channels and image_size), found " + s);
        }
        long batch = s.get(0);
        NDArray patches = Conv2d.conv2d(pixelValues, parameter("patch_embedding.weight").getArray(), null, new Shape(patchSize, patchSize))
                .singletonOrThrow();
        patches = patches.reshape(new Shape(batch, hidden, -1)).transpose(0, 2, 1);
        // zeros of the activations' manager plus the parameter: the result belongs to the batch scope
        NDArray cls = patches.getManager().zeros(new Shape(batch, 1, hidden), DataType.FLOAT32).add(array("class_embedding"));
        return cls.concat(patches, 1).add(positionEmbedding.weight().getArray());
    }

    /** PyTorch's {@code nn.Conv2d(channels, hidden, patch, stride=patch, bias=False)}: only {@code weight}. */
    static final class PatchConv extends HfBlock {
        PatchConv(int channels, int hidden, int patch) {
            declareParameter("weight", Parameter.Type.WEIGHT, new Shape(hidden, channels, patch, patch));
        }
    }
}
