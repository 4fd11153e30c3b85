package dev.mmpeft.peft;

import dev.mmpeft.core.Component;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.peft.lora.LoraConfig;
import java.util.List;
import java.util.Set;
import org.immutables.value.Value;

/**
 * Full fine-tuning of chosen parts of a model: every parameter of the chosen components or modules
 * trains (as copies; the base model's arrays are never written), everything else stays frozen.
 * Build one with {@link Peft#full()}; combine it with an adapter on other parts through
 * {@link PeftBuilder#and(FullConfig)}.
 *
 * <p>Why: the papers compare LoRA with full fine-tuning of the Q-Former and combine the two
 * ("LLM LoRA + Q-Former full"). In the adapter file the fully trained parts are PEFT's
 * {@code modules_to_save} of a LoRA configuration without targets.
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

    /** The adapter configuration that trains exactly these parts (LoRA without targets, as saved). */
    public PeftConfig asAdapter() {
        return LoraConfig.builder().trainComponents(components()).modulesToSave(modules()).build();
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The one builder of a {@link FullConfig}, with the fluent {@code target} and {@code on}. */
    public static class Builder extends ImmutableFullConfig.Builder {
        /** Trains these components in full. */
        public Builder target(Component... components) {
            return addComponents(components);
        }

        /** Trains these modules (or tensors) in full, for example {@code qformer}. */
        public Builder target(String... modules) {
            return addModules(modules);
        }

        /** Combines with an adapter of any method on other parts. */
        public <B extends PeftBuilder<B>> B and(B adapter) {
            return adapter.and(build());
        }

        /** Adapts {@code model}: the chosen parts train, everything else is frozen. */
        public <M> PeftModel<M> on(AdaptableModel<M> model) {
            return PeftModel.adapt(model, build().asAdapter(), 0);
        }

        /** Adapts an InstructBLIP model: the chosen parts train in full, everything else is frozen. */
        public PeftModel<InstructBlip> on(InstructBlip model) {
            return on(Adaptables.instructBlip(model));
        }

        /** The trainable-parameter report on {@code structure}, from declared shapes alone. */
        public ParameterReport report(AdaptableModel<?> structure) {
            return Peft.report(build().asAdapter(), structure);
        }
    }
}
