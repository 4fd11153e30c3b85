package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.UnaryOperator;

/**
 * Frees each layer's intermediate arrays as soon as the layer is done, instead of at the end of the
 * whole forward pass.
 *
 * <p>Why: DJL frees native memory only when an array's manager closes, so a forward pass in one
 * scope holds every intermediate of every layer at once (measured on the bench InstructBLIP,
 * batch 8: about 800 MB above the weights for a no-grad forward). Running a layer in a sub-manager
 * and closing it right after keeps only the layer's output.
 *
 * <p>Only without grad mode (inference, scoring, generation, validation). With grad mode on, a
 * tensor that autograd saved for the backward pass may be one DJL created on the CPU over a Java
 * direct buffer (every {@code x.mul(0.5)} scalar is); closing its handle lets the garbage
 * collector free that buffer while the graph still points at it, and the backward pass then reads
 * freed memory (seen as NaN gradients at random steps). So in training the layer runs in the
 * caller's scope, as before.
 */
public final class Scopes {
    private Scopes() {}

    /**
     * Runs {@code layer} on {@code h} in a sub-manager of {@code h}'s manager and returns the output,
     * attached to {@code h}'s manager; everything else the layer made is freed.
     */
    public static NDArray perLayer(NDArray h, UnaryOperator<NDArray> layer) {
        if (JniUtils.isGradMode()) {
            return layer.apply(h);
        }
        NDManager parent = h.getManager();
        try (NDManager sub = parent.newSubManager()) {
            h.tempAttach(sub); // arrays computed from h land in sub; h goes back to parent on close
            NDArray out = layer.apply(h);
            if (out != h) {
                out.attach(parent);
            }
            return out;
        }
    }
}
