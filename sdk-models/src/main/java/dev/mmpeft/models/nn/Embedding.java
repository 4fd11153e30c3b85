package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/** PyTorch's {@code nn.Embedding}: a lookup table {@code weight [num, dim]}. */
public final class Embedding extends HfBlock {
    private final int numEmbeddings;
    private final int dim;

    public Embedding(int numEmbeddings, int dim) {
        this.numEmbeddings = numEmbeddings;
        this.dim = dim;
        declareParameter("weight", Parameter.Type.WEIGHT, new Shape(numEmbeddings, dim));
    }

    public int numEmbeddings() {
        return numEmbeddings;
    }

    public int dim() {
        return dim;
    }

    /** The table {@code weight [num, dim]}. */
    public Parameter weight() {
        return parameter("weight");
    }

    /**
     * Looks up integer ids of any shape; the result has shape {@code ids.shape + [dim]} and lives in
     * the ids' manager.
     */
    public NDArray forward(NDArray ids) {
        // DJL's embedding runs on the ids' manager: the result belongs to the caller's scope
        return ai.djl.nn.core.Embedding.embedding(ids, array("weight"), ai.djl.ndarray.types.SparseFormat.DENSE)
                .singletonOrThrow();
    }
}
