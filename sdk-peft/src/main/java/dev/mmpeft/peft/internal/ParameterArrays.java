package dev.mmpeft.peft.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.lang.reflect.Field;
import java.nio.ByteOrder;

/**
 * Array plumbing for adapted models: engine-owned arrays filled from Java values, and pointing an
 * existing {@link Parameter} at another array.
 *
 * <p>Why the latter: DJL lets a parameter's array be set once. A PEFT model must switch a layer's
 * weight between the base model's shared array and a merged copy (merge/unmerge), and a trained
 * tensor between the shared original and an adapter's copy (set active adapter, disable adapters),
 * without ever writing into the shared array. Setting the parameter's fields directly does that
 * with no copy and no side effect on either array (unlike {@link Parameter#freeze}, which changes
 * the array's gradient flag).
 */
public final class ParameterArrays {
    private static final Field ARRAY;
    private static final Field REQUIRES_GRAD;

    static {
        try {
            ARRAY = Parameter.class.getDeclaredField("array");
            ARRAY.setAccessible(true);
            REQUIRES_GRAD = Parameter.class.getDeclaredField("requiresGrad");
            REQUIRES_GRAD.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(
                    "this DJL version's Parameter has no 'array'/'requiresGrad' fields (built for DJL 0.35.1): " + e);
        }
    }

    private ParameterArrays() {}

    /**
     * Points {@code p} at {@code array} (same shape) and sets its requires-gradient flag, leaving
     * both the old and the new array as they are.
     */
    public static void set(Parameter p, NDArray array, boolean requiresGradient) {
        Shape shape = p.getShape();
        if (shape != null && !shape.equals(array.getShape())) {
            throw new IllegalArgumentException(
                    "parameter " + p.getName() + " has shape " + shape + ", cannot point it at an array of shape " + array.getShape());
        }
        try {
            if (shape == null) {
                p.setArray(array);
            } else {
                ARRAY.set(p, array);
            }
            REQUIRES_GRAD.set(p, requiresGradient);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sets only the parameter's requires-gradient flag (its array is left alone). */
    public static void setRequiresGradientFlag(Parameter p, boolean requiresGradient) {
        try {
            REQUIRES_GRAD.set(p, requiresGradient);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A float32 array owned by the engine (no Java buffer behind it) holding {@code values}. */
    public static NDArray create(NDManager manager, Shape shape, float[] values) {
        NDArray array = manager.create(shape, DataType.FLOAT32);
        if (values.length > 0) {
            array.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer().put(values);
        }
        return array;
    }

    /** A copy of {@code source} owned by {@code manager}, as float32. */
    public static NDArray copy(NDArray source, NDManager manager) {
        NDArray c = source.getDataType() == DataType.FLOAT32 ? source.duplicate() : source.toType(DataType.FLOAT32, true);
        c.attach(manager);
        return c;
    }
}
