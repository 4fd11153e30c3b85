package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.mmpeft.core.MmpeftException;
import org.jspecify.annotations.Nullable;

/**
 * The checks of a decoder's token inputs that every family taking {@code input_ids} and
 * {@code attention_mask} shares (LLaVA, LaVIN): one place, so the messages stay the same.
 */
public final class TokenInputs {
    private TokenInputs() {}

    /**
     * {@code a} as int64 ids of shape {@code [batch, length]}.
     *
     * @throws MmpeftException naming {@code name} for another rank or floating-point values
     */
    public static NDArray ids(String name, NDArray a) {
        if (a.getShape().dimension() != 2) {
            throw new MmpeftException(name + ": expected shape [batch, length], found " + a.getShape());
        }
        if (a.getDataType().isFloating()) {
            throw new MmpeftException(name + ": expected integer ids (int32 or int64), found " + a.getDataType());
        }
        return a.getDataType() == DataType.INT64 ? a : a.toType(DataType.INT64, false);
    }

    /**
     * The attention mask as int64, all ones when none is given.
     *
     * @throws MmpeftException when its shape is not {@code ids}'
     */
    public static NDArray mask(@Nullable NDArray attentionMask, NDArray ids) {
        if (attentionMask == null) {
            return ids.onesLike();
        }
        if (!attentionMask.getShape().equals(ids.getShape())) {
            throw new MmpeftException("attention_mask: expected the shape of input_ids " + ids.getShape() + ", found " + attentionMask.getShape());
        }
        return attentionMask.toType(DataType.INT64, false);
    }
}
