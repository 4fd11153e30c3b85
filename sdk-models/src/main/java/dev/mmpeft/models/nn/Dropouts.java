package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.Dropout;

/**
 * PyTorch's {@code nn.functional.dropout(x, p, training)}: identity in inference, inverted
 * dropout (kept values scaled by {@code 1/(1-p)}) in training.
 */
public final class Dropouts {
    private Dropouts() {}

    /** Applies dropout with rate {@code p} when {@code training}; returns {@code x} itself otherwise. */
    public static NDArray apply(NDArray x, float p, boolean training) {
        if (!training || p <= 0f) {
            return x;
        }
        return Dropout.dropout(x, p, true).singletonOrThrow();
    }
}
