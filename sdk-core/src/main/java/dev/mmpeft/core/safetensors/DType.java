package dev.mmpeft.core.safetensors;

import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The element types a safetensors file may hold, with their byte sizes and the DJL type each is
 * loaded as.
 *
 * <p>The constants are declared in the reference implementation's order (increasing alignment),
 * which its writer uses to lay tensors out: larger types first, so every tensor stays aligned.
 *
 * <p>BF16 is widened to F32, I16 and U16 to I32, and U32 to I64 in Java while loading, because
 * creating BF16 or a 16/32-bit integer type DJL's engine cannot name aborts the whole JVM (see
 * DJL_NOTES.md); every widening is exact. F16 loads as F16. The 8-bit float formats, U64 and C64
 * are recognised (a file holding them opens, and {@link SafetensorsFile#data} copies them
 * byte for byte) but cannot become DJL arrays: {@link #isLoadable()} is false for them.
 */
public enum DType {
    BOOL(1, DataType.BOOLEAN),
    U8(1, DataType.UINT8),
    I8(1, DataType.INT8),
    F8_E5M2(1, null),
    F8_E4M3(1, null),
    F8_E8M0(1, null),
    I16(2, DataType.INT32),
    U16(2, DataType.INT32),
    F16(2, DataType.FLOAT16),
    BF16(2, DataType.FLOAT32),
    I32(4, DataType.INT32),
    U32(4, DataType.INT64),
    F32(4, DataType.FLOAT32),
    C64(8, null),
    F64(8, DataType.FLOAT64),
    I64(8, DataType.INT64),
    U64(8, null);

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

    /** Whether tensors of this type can be loaded as DJL arrays. */
    public boolean isLoadable() {
        return loadedAs != null;
    }

    /**
     * The DJL type a tensor of this type has once loaded (wider than the file's for BF16, I16, U16
     * and U32); {@link DataType#UNKNOWN} when it cannot be loaded.
     */
    public DataType loadedAs() {
        return loadedAs == null ? DataType.UNKNOWN : loadedAs;
    }

    /** Whether loading converts the bytes instead of copying them. */
    public boolean isWidened() {
        return this == BF16 || this == I16 || this == U16 || this == U32;
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

    /** Every type name this reader knows, for error messages. */
    static String knownNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
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
