package dev.mmpeft.peft;

import dev.mmpeft.core.safetensors.TensorMismatch;
import dev.mmpeft.core.safetensors.TensorMismatchError;
import java.util.List;

/**
 * An adapter file whose tensors do not fit the model it is loaded into: shape disagreements (always
 * refused), and, when nothing at all fits, the missing and unexpected tensors. The message is
 * {@link TensorMismatch#describe}'s, as for model checkpoints.
 */
public final class AdapterMismatchException extends PeftException implements TensorMismatchError {
    private static final long serialVersionUID = 1L;
    private final TensorMismatch mismatch;

    public AdapterMismatchException(String source, List<String> missing, List<String> unexpected, List<String> mismatched) {
        this(source, new TensorMismatch(missing, unexpected, mismatched));
    }

    private AdapterMismatchException(String source, TensorMismatch mismatch) {
        super(mismatch.describe(source, "adapter"));
        this.mismatch = mismatch;
    }

    @Override
    public TensorMismatch mismatch() {
        return mismatch;
    }
}
