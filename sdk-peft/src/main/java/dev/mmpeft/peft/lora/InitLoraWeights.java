package dev.mmpeft.peft.lora;

import dev.mmpeft.peft.PeftException;

import java.util.Locale;

/**
 * How new LoRA matrices start, as PEFT's {@code init_lora_weights}.
 *
 * <p>Why it matters: with the default, B is zero, so a fresh adapter leaves the model's outputs
 * exactly unchanged and training starts from the pretrained behaviour.
 */
public enum InitLoraWeights {
    /**
     * PEFT's {@code true} (the default): A as {@code nn.Linear} initialises weights
     * ({@code kaiming_uniform_(a=sqrt(5))}, i.e. uniform in +-1/sqrt(in)), B zeros.
     */
    DEFAULT,
    /** PEFT's {@code "gaussian"}: A from N(0, (1/r)^2), B zeros. */
    GAUSSIAN,
    /**
     * PEFT's {@code false}: both A and B as {@code nn.Linear} initialises them (B is not zero, so
     * the adapter changes outputs from the start; for tests).
     */
    RANDOM;

    /** The value of {@code init_lora_weights} in adapter_config.json: {@code true}, {@code "gaussian"}, {@code false}. */
    public Object jsonValue() {
        switch (this) {
            case GAUSSIAN:
                return "gaussian";
            case RANDOM:
                return Boolean.FALSE;
            default:
                return Boolean.TRUE;
        }
    }

    /**
     * Parses a user's spelling: {@code true}/{@code default}/{@code kaiming}, {@code gaussian},
     * {@code false}/{@code random}.
     */
    public static InitLoraWeights parse(String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true":
            case "default":
            case "kaiming":
                return DEFAULT;
            case "gaussian":
                return GAUSSIAN;
            case "false":
            case "random":
                return RANDOM;
            default:
                throw new PeftException("init_lora_weights: unknown value '" + text + "'; expected true, gaussian or false");
        }
    }
}
