package dev.mmpeft.peft;

import dev.mmpeft.core.Component;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.immutables.value.Value;

/**
 * What every PEFT method's configuration has: the fields Hugging Face PEFT's {@code PeftConfig}
 * holds for all methods, and full training of chosen parts beside the adapter
 * ({@code modules_to_save}, also by {@link Component}).
 *
 * <p>Each method's configuration ({@code LoraConfig}, ...) is an immutable value extending this
 * class; its {@code peft_type} says which method reads and writes it.
 */
public abstract class PeftConfig {
    /** The {@code peft_type} written to {@code adapter_config.json} ({@code LORA}, {@code IA3}, ...). */
    public abstract String peftType();

    /**
     * Components trained in full beside the adapter (saved as PEFT's {@code modules_to_save}):
     * {@link Component#QUERY_TOKENS}, {@link Component#LANGUAGE_PROJECTION}, or whole components
     * such as {@link Component#QFORMER_ALL} for the papers' "LLM LoRA + Q-Former full" setting.
     */
    public abstract Set<Component> trainComponents();

    /**
     * {@code modules_to_save}: module names (a module matches when its name ends with the entry,
     * as in PEFT) or exact parameter names ({@code query_tokens}) trained in full and saved.
     */
    public abstract List<String> modulesToSave();

    /** {@code base_model_name_or_path}. */
    public abstract Optional<String> baseModelNameOrPath();

    /** {@code revision} of the base model. */
    public abstract Optional<String> revision();

    /** {@code task_type} ({@code SEQ_2_SEQ_LM}, {@code CAUSAL_LM}, ...), when known. */
    public abstract Optional<String> taskType();

    /** {@code inference_mode}: a loaded adapter that should not train. */
    @Value.Default
    public boolean inferenceMode() {
        return false;
    }

    /** A one-line description for people ({@code LoRA r=2, alpha=8}). */
    public abstract String describe();

    /** Checks the fields every method shares; {@code owner} names the config in messages. */
    protected final void checkCommon(String owner) {
        for (String name : modulesToSave()) {
            if (name.isBlank()) {
                throw new PeftException(owner + ".modules_to_save contains an empty name");
            }
        }
    }
}
