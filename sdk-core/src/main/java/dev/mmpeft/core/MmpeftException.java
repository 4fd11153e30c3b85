package dev.mmpeft.core;

/**
 * Base of every error the SDK raises on purpose: bad files, bad configuration, bad data.
 *
 * <p>Unchecked, like DJL's own exceptions, so fluent calls stay fluent; every subclass's message
 * names the file, field or module at fault, what was found and what was expected.
 */
public class MmpeftException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MmpeftException(String message) {
        super(message);
    }

    public MmpeftException(String message, Throwable cause) {
        super(message, cause);
    }
}
