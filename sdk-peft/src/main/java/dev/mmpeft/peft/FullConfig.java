package dev.mmpeft.peft;

import dev.mmpeft.core.Component;
import java.util.List;
import java.util.Set;
import org.immutables.value.Value;

/**
 * Full fine-tuning of chosen parts of a model: every parameter of the chosen components or modules
 * trains (as copies; the base model's arrays are never written), everything else stays frozen.
 * Build one with {@link Peft#full()}; combine it with LoRA on other parts through
 * {@link Peft.LoraBuilder#and(FullConfig)}.
 *
 * <p>Why: the papers compare LoRA with full fine-tuning of the Q-Former and combine the two
 * ("LLM LoRA + Q-Former full"). In the adapter file the fully trained parts are PEFT's
 * {@code modules_to_save}.
 */
@Value.Immutable
public abstract class FullConfig {
    /** Components trained in full (their linear layers, with weights and biases, or the named tensor). */
    public abstract Set<Component> components();

    /** Module names (or exact parameter names) trained in full, for example {@code qformer} for the whole Q-Former. */
    public abstract List<String> modules();

    @Value.Check
    protected void check() {
        if (components().isEmpty() && modules().isEmpty()) {
            throw new PeftException("FullConfig: no target; name at least one component or module to train in full");
        }
        for (String m : modules()) {
            if (m.isBlank()) {
                throw new PeftException("FullConfig.modules contains an empty name");
            }
        }
    }

    /** A builder of the value itself (most users want {@link Peft#full()}). */
    public static ImmutableFullConfig.Builder builder() {
        return ImmutableFullConfig.builder();
    }
}
