package dev.mmpeft.core.train;

import java.util.Locale;

/**
 * The floating-point type training computes in. Why a choice: on a GPU, half-precision forward
 * and backward passes halve the memory of activations and frozen weights and run on tensor cores,
 * while the optimizer keeps float32 master copies of the trainable tensors so small updates are
 * not lost to rounding.
 *
 * <p>With DJL 0.35.1's PyTorch engine only {@link #FP32} and {@link #FP16} are available:
 * the engine's native data-type table has no bfloat16 on any device (its dtype conversion ends at
 * complex64, and asking for bfloat16 aborts the JVM), so {@link #BF16} is refused with that reason
 * rather than attempted.
 */
public enum Precision {
    /** Float32 everywhere (the default; the only choice on the CPU). */
    FP32,
    /**
     * Float16 forward and backward with float32 master weights and dynamic loss scaling (the
     * {@code torch.cuda.amp.GradScaler} recipe); GPU only.
     */
    FP16,
    /** Bfloat16 compute: not available with this engine (see the type's documentation). */
    BF16;

    /**
     * Parses {@code fp32}/{@code float32}, {@code fp16}/{@code float16}/{@code half},
     * {@code bf16}/{@code bfloat16}, ignoring case.
     *
     * @throws IllegalArgumentException naming the text and what is accepted
     */
    public static Precision parse(String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "fp32":
            case "float32":
                return FP32;
            case "fp16":
            case "float16":
            case "half":
                return FP16;
            case "bf16":
            case "bfloat16":
                return BF16;
            default:
                throw new IllegalArgumentException("unknown precision '" + text + "'; expected fp32, fp16 or bf16");
        }
    }

    /** Why {@link #BF16} cannot run with this engine, in one sentence for error messages. */
    public String describeUnavailable() {
        return this == BF16 ? bf16Unavailable() : toString() + " is available";
    }

    static String bf16Unavailable() {
        return "bf16 is not available: DJL 0.35.1's PyTorch engine has no bfloat16 type on any device"
                + " (its native dtype table ends at complex64 and asking for bfloat16 aborts the JVM);"
                + " use fp16 (float16 compute, float32 master weights, dynamic loss scaling) on a GPU, or fp32";
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
