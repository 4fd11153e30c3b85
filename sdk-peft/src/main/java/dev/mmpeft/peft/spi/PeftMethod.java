package dev.mmpeft.peft.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.peft.PeftConfig;

/**
 * One PEFT method: what its configuration looks like on disk, what it does to a model's structure,
 * and the layers it attaches. Implementations are stateless singletons found by
 * {@link java.util.ServiceLoader}; the state of an adapted model lives in its
 * {@link AdapterLayer}s.
 *
 * @param <C> the method's configuration type
 */
public interface PeftMethod<C extends PeftConfig> {
    /** The {@code peft_type} of its {@code adapter_config.json} ({@code LORA}, {@code IA3}, ...). */
    String peftType();

    /** The short name reports and the command line use ({@code lora}, {@code ia3}). */
    String label();

    /** The configuration class this method takes. */
    Class<C> configType();

    /**
     * Reads an {@code adapter_config.json} of this method.
     *
     * @param source names the file in error messages
     * @throws dev.mmpeft.peft.PeftException naming the file, the key and the value at fault
     */
    C readConfig(JsonNode root, String source);

    /** The {@code adapter_config.json} of a resolved configuration, as the reference implementation writes it. */
    ObjectNode writeConfig(C resolved);

    /**
     * Decides from the model's structure alone (names and declared shapes) which modules this
     * adapter changes and which tensors it holds.
     *
     * @throws dev.mmpeft.peft.TargetNotFoundException when a target matches nothing
     */
    MethodPlan plan(C config, PlanContext context);

    /**
     * Builds an adapter of a plan made by {@link #plan} into the adapted model: its layers (through
     * {@link AttachContext#layer}) and its parameters, initialised from the context's seed and frozen
     * (the adapter set decides what trains).
     *
     * @return the adapter's parameters: file key to parameter name in the adapted model
     */
    Attachment attach(MethodPlan plan, AttachContext context);

    /**
     * Whether {@link #peftType()} is one of Hugging Face PEFT's own types (files Python PEFT reads),
     * rather than one this SDK defines for a method PEFT lacks; readers asked for PEFT files only
     * refuse the latter.
     */
    default boolean isPeftType() {
        return true;
    }

    /**
     * The tensors an adapter file of this plan holds, from the adapter's parameters (by file key):
     * the parameters themselves by default; a method whose trained form differs from its saved one
     * (prefix tuning's reparameterisation, folded into plain prefixes as PEFT saves them) computes
     * the saved form, into {@code manager}.
     */
    default java.util.Map<String, ai.djl.ndarray.NDArray> savedTensors(
            MethodPlan plan, java.util.Map<String, ai.djl.ndarray.NDArray> parameters, ai.djl.ndarray.NDManager manager) {
        return parameters;
    }

    /**
     * Whether a key of an adapter file belongs to this method's own tensors ({@code .lora_A.} for
     * LoRA); such keys are never taken for base-model tensors when a file is loaded.
     */
    boolean ownsFileKey(String key);
}
