package dev.mmpeft.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.jspecify.annotations.Nullable;

/**
 * Additive attention masks as transformers builds them: 0 where a key may be attended to, the
 * most negative float32 ({@code torch.finfo(torch.float32).min}) where it may not.
 *
 * <p>Using exactly that value (not {@code -inf}, not {@code -1e9}) matters twice: a row whose keys
 * are all masked (left padding) gets a uniform softmax instead of NaN, and that uniform row is
 * what transformers computes too, so even the logits of padded positions agree.
 */
public final class Masks {
    /** {@code torch.finfo(torch.float32).min}. */
    public static final float MIN = -Float.MAX_VALUE;

    private Masks() {}

    /**
     * Padding mask {@code [batch, keys]} (1 = attend, 0 = padding, any integer or float type) to the
     * additive bias {@code [batch, 1, 1, keys]}: {@code (1 - mask) * MIN}, as transformers'
     * {@code invert_attention_mask} / encoder extended mask.
     */
    public static NDArray padding(NDArray mask) {
        Shape s = mask.getShape();
        NDArray f = mask.toType(DataType.FLOAT32, false).reshape(s.get(0), 1, 1, s.get(1));
        return f.neg().add(1f).mul(MIN);
    }

    /**
     * A padding mask {@code [batch, keys]} with {@code prefix} leading ones: prefix positions
     * ({@link KeyValuePrefixes}) are always attended, as PEFT prepends ones for prefix tuning. Same
     * type and manager as {@code mask}; {@code mask} itself when {@code prefix} is 0.
     */
    public static NDArray withPrefix(NDArray mask, int prefix) {
        if (prefix == 0) {
            return mask;
        }
        NDArray ones = mask.getManager().ones(new Shape(mask.getShape().get(0), prefix), mask.getDataType());
        return ones.concat(mask, 1);
    }

    /**
     * Causal mask combined with an optional padding mask, as transformers'
     * {@code _prepare_4d_causal_attention_mask_with_cache_position}: query {@code i} sits at absolute
     * position {@code pastLength + i} and may attend to key {@code j} when {@code j <= pastLength + i}
     * and {@code mask[b, j] == 1}.
     *
     * @param manager where the result lives when {@code mask} is null (otherwise the mask's manager)
     * @param mask {@code [batch, keys]} or null (no padding)
     * @return {@code [batch or 1, 1, queries, keys]}
     */
    public static NDArray causal(NDManager manager, @Nullable NDArray mask, int queries, int keys, int pastLength) {
        float[] allowed = new float[queries * keys];
        for (int i = 0; i < queries; i++) {
            int limit = Math.min(keys - 1, pastLength + i);
            for (int j = 0; j <= limit; j++) {
                allowed[i * keys + j] = 1f;
            }
        }
        NDManager target = mask == null ? manager : mask.getManager();
        NDArray a = target.create(allowed, new Shape(1, 1, queries, keys));
        if (mask != null) {
            Shape s = mask.getShape();
            if (s.get(1) != keys) {
                throw new IllegalArgumentException("attention mask covers " + s.get(1) + " keys, expected " + keys);
            }
            a = mask.toType(DataType.FLOAT32, false).reshape(s.get(0), 1, 1, keys).mul(a);
        }
        return a.neg().add(1f).mul(MIN);
    }

    /**
     * Isolates {@code count} key positions starting at key index {@code first}: each is visible only
     * to the query at its own position, and such a query sees no other of them (keys before
     * {@code first}, e.g. prefix-tuning positions, stay as {@code bias} has them). Query {@code i}
     * sits at key index {@code queryStart + i}. Combined with {@code bias} by taking the minimum, so
     * nothing masked becomes visible.
     *
     * <p>Why: LaVIN's modality token is token 0 of every sequence; its router reads it in every
     * layer, while no other token attends to it (LaVIN's {@code mask[:, :, 1:, 0] = -inf}).
     *
     * @param bias {@code [batch or 1, 1, queries, keys]} additive
     * @return {@code bias} itself when {@code count} is 0
     */
    public static NDArray isolate(NDArray bias, int first, int count, int queryStart) {
        if (count == 0) {
            return bias;
        }
        Shape s = bias.getShape();
        int queries = (int) s.get(2);
        int keys = (int) s.get(3);
        float[] extra = new float[queries * keys];
        for (int i = 0; i < queries; i++) {
            for (int j = first; j < Math.min(keys, first + count); j++) {
                if (queryStart + i != j) {
                    extra[i * keys + j] = MIN;
                }
            }
        }
        NDArray e = bias.getManager().create(extra, new Shape(1, 1, queries, keys));
        return bias.minimum(e);
    }
}
