package dev.mmpeft.core.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.Collection;

/**
 * Clipping by global L2 norm with {@code torch.nn.utils.clip_grad_norm_}'s semantics: the norm of
 * all gradients taken together (the norm of the per-tensor norms), and every gradient scaled in
 * place by {@code min(1, max_norm / (total_norm + 1e-6))}.
 *
 * <p>DJL's {@code optClipGrad} is a per-element one-sided clamp, which is not this: do not use it.
 */
public final class GradientClipping {
    private GradientClipping() {}

    /**
     * The global L2 norm of {@code gradients} (0 for none); temporaries go to {@code scope}.
     * NaN or infinite when any gradient is.
     */
    public static double globalNorm(Collection<NDArray> gradients, NDManager scope) {
        if (gradients.isEmpty()) {
            return 0;
        }
        NDList norms = new NDList(gradients.size());
        for (NDArray g : gradients) {
            NDArray n = g.norm();
            n.attach(scope);
            norms.add(n.toDevice(gradients.iterator().next().getDevice(), false));
        }
        NDArray stacked = NDArrays.stack(norms);
        stacked.attach(scope);
        NDArray total = stacked.norm();
        total.attach(scope);
        return total.getFloat();
    }

    /**
     * Scales {@code gradients} in place so that their global norm is at most {@code maxNorm} and
     * returns the norm they had (as {@code clip_grad_norm_} returns it).
     */
    public static double clipByGlobalNorm(Collection<NDArray> gradients, double maxNorm, NDManager scope) {
        double total = globalNorm(gradients, scope);
        float coef = clipCoefficient(total, maxNorm);
        if (coef < 1f) { // torch multiplies by 1.0 too, which changes nothing
            scale(gradients, coef);
        }
        return total;
    }

    /**
     * The factor {@code clip_grad_norm_} multiplies by, computed in float32 in PyTorch's order:
     * {@code clamp((1 / (total + 1e-6)) * max_norm, max=1)} ({@code max_norm / tensor} is
     * {@code tensor.reciprocal() * max_norm} in PyTorch).
     */
    public static float clipCoefficient(double totalNorm, double maxNorm) {
        float denom = (float) totalNorm + 1e-6f;
        float coef = (1f / denom) * (float) maxNorm;
        return Math.min(coef, 1f);
    }

    /** Multiplies every gradient in place by {@code factor}. */
    public static void scale(Collection<NDArray> gradients, float factor) {
        for (NDArray g : gradients) {
            g.muli(factor);
        }
    }
}
