package dev.mmpeft.peft.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteOrder;

/**
 * Arrays for adapted models: engine-owned arrays filled from Java values (LoRA initialisation),
 * and float32 copies that an adapter owns (tensors trained in full, loaded adapter tensors).
 *
 * <p>Pointing a parameter at one of them is the block's business:
 * {@code HfBlock.replaceArray(name, array, requiresGradient)}.
 */
public final class ParameterArrays {
    private ParameterArrays() {}

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
