package dev.mmpeft.core.safetensors;

import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * One tensor's entry in a safetensors header: name, element type, shape and its byte span in the
 * data section (offsets are 64-bit: shards are often larger than 2 GiB).
 */
public final class TensorInfo {
    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final long begin;
    private final long end;

    TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.begin = begin;
        this.end = end;
    }

    public String name() {
        return name;
    }

    public DType dtype() {
        return dtype;
    }

    /** The shape as stored; a scalar has an empty shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** The shape as a DJL {@link Shape}. */
    public Shape djlShape() {
        return new Shape(shape);
    }

    /** Number of elements (1 for a scalar). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Start of the tensor's bytes, relative to the data section. */
    public long begin() {
        return begin;
    }

    /** End (exclusive) of the tensor's bytes, relative to the data section. */
    public long end() {
        return end;
    }

    public long byteSize() {
        return end - begin;
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
