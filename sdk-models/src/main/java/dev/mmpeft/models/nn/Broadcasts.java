package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * Parameters broadcast into an activation's memory scope. Why: an op's result belongs to its first
 * operand's manager, so {@code parameter.add(x)} would grow the model's manager every batch (see
 * {@code DJL_NOTES.md}); starting from the activation's manager keeps the result per batch.
 */
public final class Broadcasts {
    private Broadcasts() {}

    /**
     * {@code parameter} broadcast to {@code shape}, owned by the manager of {@code like} (an
     * activation): zeros of that manager plus the parameter.
     */
    public static NDArray parameter(Parameter parameter, NDArray like, Shape shape) {
        return like.getManager().zeros(shape, DataType.FLOAT32).add(parameter.getArray());
    }
}
