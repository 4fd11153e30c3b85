package dev.mmpeft.core.safetensors;

import java.util.List;

/**
 * An error that reports a {@link TensorMismatch} (a model checkpoint's or an adapter's), with its
 * three lists at hand; the exception classes differ only in their place in the hierarchy.
 */
public interface TensorMismatchError {
    /** What did not fit. */
    TensorMismatch mismatch();

    /** Tensor names the model expects but the file lacks. */
    default List<String> missing() {
        return mismatch().missing();
    }

    /** Tensor names in the file the model does not know. */
    default List<String> unexpected() {
        return mismatch().unexpected();
    }

    /** One line per shape disagreement: {@code name: file [a, b], model expects [c, d]}. */
    default List<String> mismatched() {
        return mismatch().mismatched();
    }
}
