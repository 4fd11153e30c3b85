package dev.mmpeft.core.safetensors;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor as the writer needs it: element type, shape, and its little-endian bytes in C order,
 * produced only when the writer reaches it.
 *
 * <p>This is the raw path through the SDK: {@link SafetensorsFile#data} and
 * {@link Checkpoint#data} hand out a file's tensors as they are stored (BF16 stays BF16, I16 stays
 * I16), so copying or re-sharding a checkpoint is bit-exact and never widens anything. Because
 * {@link #bytes()} is called one tensor at a time while writing, a multi-gigabyte checkpoint is
 * never held in memory at once.
 */
public interface TensorData {
    /** The element type written to the header. */
    DType dtype();

    /** The shape written to the header (empty for a scalar). */
    long[] shape();

    /** Number of bytes {@link #bytes()} must deliver: elements times the type's size. */
    default long byteSize() {
        long n = dtype().byteSize();
        for (long d : shape()) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * The tensor's little-endian bytes, exactly {@link #byteSize()} of them (position to limit).
     *
     * @throws IOException if the bytes cannot be produced; the writer then leaves the target file
     *     untouched
     */
    ByteBuffer bytes() throws IOException;

    /** Produces a tensor's bytes when the writer asks for them. */
    @FunctionalInterface
    interface ByteSource {
        ByteBuffer get() throws IOException;
    }

    /**
     * A tensor whose bytes {@code source} produces when the writer reaches it (computed, read from
     * elsewhere, or failing with an {@link IOException} that leaves the target file untouched).
     */
    static TensorData lazy(DType dtype, long[] shape, ByteSource source) {
        long[] dims = shape.clone();
        return new TensorData() {
            @Override
            public DType dtype() {
                return dtype;
            }

            @Override
            public long[] shape() {
                return dims.clone();
            }

            @Override
            public ByteBuffer bytes() throws IOException {
                return source.get();
            }

            @Override
            public String toString() {
                return dtype + Arrays.toString(dims);
            }
        };
    }

    /**
     * Bytes already in memory (copied by reference: do not change them before writing).
     *
     * @throws IllegalArgumentException if the byte count does not match the shape and type
     */
    static TensorData of(DType dtype, long[] shape, ByteBuffer bytes) {
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        ByteBuffer data = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        TensorData t = lazy(dtype, shape, () -> data.duplicate().order(ByteOrder.LITTLE_ENDIAN));
        if (t.byteSize() != data.remaining()) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " of " + dtype + " needs " + t.byteSize() + " bytes, got " + data.remaining());
        }
        return t;
    }

    /**
     * A DJL array, encoded when written (its type must have a safetensors name: F64, F32, F16,
     * I64, I32, I8, U8, BOOL).
     *
     * @throws IllegalArgumentException for any other DJL type
     */
    static TensorData of(NDArray array) {
        return lazy(DType.of(array.getDataType()), array.getShape().getShape(), () -> TensorCodec.encode(array));
    }
}
