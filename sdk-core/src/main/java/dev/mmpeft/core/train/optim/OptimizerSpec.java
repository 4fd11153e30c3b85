package dev.mmpeft.core.train.optim;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * An optimizer's settings, as an immutable value ({@link AdamW}, {@link Sgd}). The trainer makes
 * the running {@link Optimizer} from it for the model's trainable tensors; the learning rate here
 * is the base rate that a schedule scales.
 */
public interface OptimizerSpec {
    /** The base learning rate (what a schedule starts from and scales). */
    double lr();

    /** The settings as a flat map of plain values, for provenance and logs. */
    Map<String, Object> describe();

    /**
     * The running optimizer for {@code parameters} (name to array, in a stable order). State
     * tensors are created lazily on each tensor's device.
     */
    Optimizer create(Map<String, NDArray> parameters);
}
