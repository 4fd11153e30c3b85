package dev.mmpeft.models.nn;

import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.safetensors.TensorMismatch;
import dev.mmpeft.core.safetensors.TensorMismatchError;
import java.util.List;

/**
 * A checkpoint whose tensors do not fit a model: names the model expects but the checkpoint
 * lacks, names the checkpoint has but the model does not know, and shape disagreements. The
 * message is {@link TensorMismatch#describe}'s, as for PEFT adapters.
 */
public final class WeightMismatchException extends MmpeftException implements TensorMismatchError {
    private static final long serialVersionUID = 1L;
    private final TensorMismatch mismatch;

    public WeightMismatchException(String source, List<String> missing, List<String> unexpected, List<String> mismatched) {
        this(source, new TensorMismatch(missing, unexpected, mismatched));
    }

    private WeightMismatchException(String source, TensorMismatch mismatch) {
        super(mismatch.describe(source, "checkpoint"));
        this.mismatch = mismatch;
    }

    @Override
    public TensorMismatch mismatch() {
        return mismatch;
    }
}
