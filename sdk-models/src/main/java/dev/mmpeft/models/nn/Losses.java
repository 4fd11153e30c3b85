package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Token-level cross-entropy as PyTorch's {@code CrossEntropyLoss(ignore_index=-100)} computes it,
 * which is what every transformers language-model loss reduces to.
 */
public final class Losses {
    /** The label value that contributes no loss (transformers' and PyTorch's convention). */
    public static final int IGNORE_INDEX = -100;

    private Losses() {}

    /**
     * Per-token cross-entropy {@code -log softmax(logits)[label]}, zero where the label is
     * {@link #IGNORE_INDEX}.
     *
     * @param logits {@code [..., vocab]}
     * @param labels {@code [...]}, any integer type
     * @return float32 {@code [...]}, in the logits' manager
     */
    public static NDArray tokenCrossEntropy(NDArray logits, NDArray labels) {
        NDArray logProbs = logits.toType(DataType.FLOAT32, false).logSoftmax(-1);
        NDArray longLabels = labels.toType(DataType.INT64, false);
        // ignored labels index any valid row; their loss is masked out below
        NDArray picked = logProbs.gather(longLabels.maximum(0).expandDims(-1), -1).squeeze(-1);
        NDArray valid = longLabels.neq(IGNORE_INDEX).toType(DataType.FLOAT32, false);
        return picked.neg().mul(valid);
    }

    /**
     * Mean cross-entropy over the tokens whose label is not {@link #IGNORE_INDEX}; NaN when every
     * label is ignored, as PyTorch returns.
     *
     * @return a float32 scalar in the logits' manager
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray perToken = tokenCrossEntropy(logits, labels);
        NDArray count = labels.toType(DataType.INT64, false).neq(IGNORE_INDEX).toType(DataType.FLOAT32, false).sum();
        return perToken.sum().div(count);
    }
}
