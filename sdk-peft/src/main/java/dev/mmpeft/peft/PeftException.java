package dev.mmpeft.peft;

import dev.mmpeft.core.MmpeftException;

/**
 * A PEFT request that cannot be honoured: a configuration value out of range, a target that
 * matches nothing, an adapter file that does not fit the model. The message names the field, module
 * or file, what was found and what was expected.
 */
public class PeftException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    public PeftException(String message) {
        super(message);
    }

    public PeftException(String message, Throwable cause) {
        super(message, cause);
    }
}
