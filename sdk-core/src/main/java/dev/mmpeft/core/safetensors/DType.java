package dev.mmpeft.core.safetensors;

import ai.djl.ndarray.types.DataType;
import java.util.Optional;

/**
 * The element types a safetensors file may hold, with their byte sizes and the DJL type each is
 * loaded as.
 *
 * <p>BF16 is widened to F32 and I16 to I32 in Java while loading, because creating either type
 * aborts the whole JVM in DJL's PyTorch engine (see DJL_NOTES.md); F16 loads as F16.
 */
public enum DType {
    F64(8, DataType.FLOAT64),
    F32(4, DataType.FLOAT32),
    F16(2, DataType.FLOAT16),
    BF16(2, DataType.FLOAT32),
    I64(8, DataType.INT64),
    I32(4, DataType.INT32),
    I16(2, DataType.INT32),
    I8(1, DataType.INT8),
    U8(1, DataType.UINT8),
    BOOL(1, DataType.BOOLEAN);

    private final int byteSize;
    private final DataType loadedAs;

    DType(int byteSize, DataType loadedAs) {
        this.byteSize = byteSize;
        this.loadedAs = loadedAs;
    }

    /** Bytes per element in the file. */
    public int byteSize() {
        return byteSize;
    }

    /** The DJL type a tensor of this type has once loaded (wider than the file's for BF16, I16). */
    public DataType loadedAs() {
        return loadedAs;
    }

    /** Whether loading converts the bytes instead of copying them. */
    public boolean isWidened() {
        return this == BF16 || this == I16;
    }

    /** The file's name of this type ({@code "F32"}, ...). */
    public String fileName() {
        return name();
    }

    /** Parses a type name as it appears in a safetensors header. */
    public static Optional<DType> parse(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /**
     * The file type for a DJL type when writing.
     *
     * @throws IllegalArgumentException for a DJL type safetensors has no name for here
     */
    public static DType of(DataType type) {
        switch (type) {
            case FLOAT64:
                return F64;
            case FLOAT32:
                return F32;
            case FLOAT16:
                return F16;
            case INT64:
                return I64;
            case INT32:
                return I32;
            case INT8:
                return I8;
            case UINT8:
                return U8;
            case BOOLEAN:
                return BOOL;
            default:
                throw new IllegalArgumentException("cannot write DJL type " + type + " to safetensors");
        }
    }
}
