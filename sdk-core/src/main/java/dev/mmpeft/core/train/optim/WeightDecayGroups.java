package dev.mmpeft.core.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.google.common.collect.ImmutableMap;
import dev.mmpeft.core.train.TrainingException;
import java.util.List;
import java.util.Map;
import org.immutables.value.Value;

/**
 * Which parameters get weight decay: the two parameter groups LAVIS builds for its AdamW
 * ({@code lavis/runners/runner_base.py}): no decay for a tensor with fewer than two dimensions or
 * whose name contains {@code bias}, {@code ln} or {@code bn} (here also {@code norm}, which catches
 * Hugging Face's {@code LayerNorm}/{@code layer_norm} names); decay for everything else.
 *
 * <p>Matching is on plain substrings of the full parameter name, exactly as LAVIS's
 * {@code "bias" in n} does. {@link #all()} puts every tensor in the decay group, which is what a
 * plain {@code torch.optim.AdamW(model.parameters())} does.
 */
@Value.Immutable
public abstract class WeightDecayGroups {
    /** Tensors with fewer dimensions than this get no decay (LAVIS: 2, i.e. biases and norm scales). */
    @Value.Default
    public int minDimensions() {
        return 2;
    }

    /** A tensor whose name contains any of these gets no decay. */
    public abstract List<String> excludedNameParts();

    /** LAVIS's rule plus {@code norm}: ndim < 2 or the name contains bias, ln, bn or norm. */
    public static WeightDecayGroups lavis() {
        return builder()
                .minDimensions(2)
                .addExcludedNameParts("bias", "ln", "bn", "norm")
                .build();
    }

    /** Every trainable tensor decays (plain {@code torch.optim.AdamW(params)}). */
    public static WeightDecayGroups all() {
        return builder().minDimensions(0).build();
    }

    /** A custom rule. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Whether the tensor {@code name} of {@code shape} is in the decay group. */
    public boolean decays(String name, Shape shape) {
        if (shape.dimension() < minDimensions()) {
            return false;
        }
        for (String part : excludedNameParts()) {
            if (name.contains(part)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The weight decay each tensor gets: {@code weightDecay} for the decay group, 0 for the rest
     * (what a running optimizer looks up per tensor).
     */
    public ImmutableMap<String, Double> rates(Map<String, NDArray> parameters, double weightDecay) {
        ImmutableMap.Builder<String, Double> out = ImmutableMap.builder();
        parameters.forEach((n, p) -> out.put(n, decays(n, p.getShape()) ? weightDecay : 0.0));
        return out.build();
    }

    /** The rule's entries of an optimizer's {@code describe()} map. */
    void describeInto(Map<String, Object> out) {
        out.put("no_decay_below_ndim", minDimensions());
        out.put("no_decay_name_parts", excludedNameParts());
    }

    @Value.Check
    protected void check() {
        TrainingException.check(minDimensions() >= 0, "WeightDecayGroups.minDimensions", minDimensions(), ">= 0");
        for (String part : excludedNameParts()) {
            TrainingException.check(!part.isEmpty(), "WeightDecayGroups.excludedNameParts", "an empty string", "non-empty");
        }
    }

    /** Builds a {@link WeightDecayGroups}; {@code build()} validates it. */
    public static class Builder extends ImmutableWeightDecayGroups.Builder {}
}
