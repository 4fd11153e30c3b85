package dev.mmpeft.core.safetensors;

import dev.mmpeft.core.MmpeftException;

/**
 * A safetensors file, shard index or tensor that cannot be read as such. The message names the
 * file and, where one is at fault, the tensor, with what was found and what was expected.
 */
public class SafetensorsException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
