package dev.mmpeft.peft.lora;

import dev.mmpeft.peft.PeftException;

import java.util.Locale;

/**
 * Which biases of the base model train alongside the LoRA matrices, as PEFT's {@code bias}:
 * {@code none}, {@code all} (every bias of the model) or {@code lora_only} (the biases of the
 * layers that carry LoRA).
 */
public enum LoraBias {
    NONE("none"),
    ALL("all"),
    LORA_ONLY("lora_only");

    private final String jsonValue;

    LoraBias(String jsonValue) {
        this.jsonValue = jsonValue;
    }

    /** The value in adapter_config.json. */
    public String jsonValue() {
        return jsonValue;
    }

    /** Parses {@code none}, {@code all}, {@code lora_only} (case-insensitive, {@code -} or {@code _}). */
    public static LoraBias parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (LoraBias b : values()) {
            if (b.jsonValue.equals(t)) {
                return b;
            }
        }
        throw new PeftException("bias: unknown value '" + text + "'; expected none, all or lora_only");
    }
}
