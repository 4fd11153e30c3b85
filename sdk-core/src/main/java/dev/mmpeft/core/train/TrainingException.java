package dev.mmpeft.core.train;

import dev.mmpeft.core.MmpeftException;

/**
 * A training run that cannot start or go on: a bad setting (the message names the setting, the
 * value found and what is allowed), a checkpoint that does not fit the run, a model that cannot do
 * what the configuration asks of it.
 */
public class TrainingException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    public TrainingException(String message) {
        super(message);
    }

    public TrainingException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Fails with a message naming {@code field} when {@code ok} is false. */
    public static void check(boolean ok, String field, Object found, String expected) {
        if (!ok) {
            throw new TrainingException(field + " must be " + expected + ", got " + found);
        }
    }
}
