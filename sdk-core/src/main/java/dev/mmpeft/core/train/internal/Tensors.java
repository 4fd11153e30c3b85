package dev.mmpeft.core.train.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.mmpeft.core.train.Autograd;
import dev.mmpeft.core.train.TrainingException;

/** Tensor chores of the trainer. */
public final class Tensors {
    private Tensors() {}

    /**
     * Copies {@code source}'s values into {@code target} in place (same shape; any device), so
     * every holder of {@code target} (a block's parameter) sees them. Runs with grad mode off:
     * in-place writes to a leaf that requires a gradient are not recorded.
     */
    public static void copyInto(NDArray target, NDArray source, String name) {
        if (!target.getShape().equals(source.getShape())) {
            throw new TrainingException(
                    "tensor '" + name + "' has shape " + source.getShape() + " but the model's has " + target.getShape());
        }
        try (Autograd.GradMode off = Autograd.gradMode(false)) {
            NDArray src = source.getDevice().equals(target.getDevice()) && source.getDataType() == target.getDataType()
                    ? source
                    : source.toDevice(target.getDevice(), true).toType(target.getDataType(), false);
            target.set(new NDIndex("..."), src);
            if (src != source) {
                src.close();
            }
        }
    }

    /** Names of the tensors whose gradient holds NaN or Inf (the first five), for the report. */
    public static String nonFiniteNames(Map<String, NDArray> grads) {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : grads.entrySet()) {
            NDArray g = e.getValue();
            try (NDArray bad = g.isNaN().logicalOr(g.isInfinite()); NDArray any = bad.any()) {
                if (any.getBoolean()) {
                    names.add(e.getKey());
                }
            }
        }
        return names.size() <= 5 ? names.toString()
                : names.subList(0, 5) + " and " + (names.size() - 5) + " more";
    }
}
