package dev.mmpeft.peft.adaptionprompt;

import dev.mmpeft.peft.PeftBuilder;
import dev.mmpeft.peft.PeftConfig;
import dev.mmpeft.peft.PeftException;
import org.immutables.value.Value;

/**
 * An adaption-prompt (LLaMA-Adapter) configuration: Hugging Face PEFT's
 * {@code AdaptionPromptConfig}. Build one with {@link dev.mmpeft.peft.Peft#adaptionPrompt()}
 * ({@code promptLength(n)}, {@code topLayers(l)}).
 *
 * <p>Why a value: applied, saved and read back unchanged; a bad value fails where it is set,
 * naming the PEFT field.
 */
@Value.Immutable
public abstract class AdaptionPromptConfig extends PeftConfig {
    /** The {@code peft_type} of adaption prompts. */
    public static final String PEFT_TYPE = "ADAPTION_PROMPT";

    @Override
    public final String peftType() {
        return PEFT_TYPE;
    }

    /** {@code adapter_len}: prompt positions per adapted layer (required). */
    @Value.Default
    public int adapterLen() {
        return 0;
    }

    /** {@code adapter_layers}: how many of the top attention layers get a prompt (required). */
    @Value.Default
    public int adapterLayers() {
        return 0;
    }

    /** {@code target_modules}: the attention modules' name ({@code self_attn} for LLaMA). */
    @Value.Default
    public String targetModules() {
        return "self_attn";
    }

    @Override
    public String describe() {
        return "adaption prompt len=" + adapterLen() + " on the top " + adapterLayers() + " layers";
    }

    @Value.Check
    protected void check() {
        String owner = "AdaptionPromptConfig";
        if (adapterLen() <= 0) {
            throw new PeftException(owner + ".adapter_len must be > 0 (set promptLength(n)), got " + adapterLen());
        }
        if (adapterLayers() <= 0) {
            throw new PeftException(owner + ".adapter_layers must be > 0 (set topLayers(n)), got " + adapterLayers());
        }
        if (targetModules().isBlank() || targetModules().contains(".")) {
            throw new PeftException(owner + ".target_modules must be one module name such as self_attn, got '" + targetModules() + "'");
        }
        checkCommon(owner);
    }

    /** A builder (give {@code promptLength} and {@code topLayers}). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /**
     * The one builder of an {@link AdaptionPromptConfig}: PEFT's names ({@code adapterLen},
     * {@code adapterLayers}) and the fluent ones ({@code promptLength}, {@code topLayers},
     * {@code train}, {@code on}).
     */
    public static class Builder extends ImmutableAdaptionPromptConfig.Builder implements PeftBuilder<Builder> {
        private long seed;

        /** {@code adapter_len}: prompt positions per layer. */
        public Builder promptLength(int n) {
            return adapterLen(n);
        }

        /** {@code adapter_layers}: the number of top layers that get a prompt. */
        public Builder topLayers(int n) {
            return adapterLayers(n);
        }

        @Override
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        @Override
        public long seed() {
            return seed;
        }
    }
}
