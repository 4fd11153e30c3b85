package dev.mmpeft.models.family;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a forward pass of any family returns, under transformers' output names: {@code logits},
 * {@code loss} (with labels) and the family's extras ({@code language_model_inputs} for
 * InstructBLIP, {@code image_hidden_states} for LLaVA), in that order; what a forward-outputs
 * safetensors file holds.
 */
public final class ModelOutputs {
    /** The name of the logits. */
    public static final String LOGITS = "logits";
    /** The name of the loss. */
    public static final String LOSS = "loss";

    private final Map<String, NDArray> tensors;

    private ModelOutputs(Map<String, NDArray> tensors) {
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** Outputs of logits, an optional loss and named extras. */
    public static ModelOutputs of(NDArray logits, @Nullable NDArray loss, Map<String, NDArray> extras) {
        Map<String, NDArray> all = new LinkedHashMap<>();
        all.put(LOGITS, logits);
        if (loss != null) {
            all.put(LOSS, loss);
        }
        extras.forEach((k, v) -> {
            if (all.putIfAbsent(k, v) != null) {
                throw new IllegalArgumentException("output '" + k + "' given twice");
            }
        });
        return new ModelOutputs(all);
    }

    /** {@code [batch, positions, vocab]}. */
    public NDArray logits() {
        return tensors.get(LOGITS);
    }

    /** The scalar mean loss, when labels were given. */
    public Optional<NDArray> loss() {
        return Optional.ofNullable(tensors.get(LOSS));
    }

    /** Every output by name, logits first. */
    public Map<String, NDArray> tensors() {
        return tensors;
    }
}
