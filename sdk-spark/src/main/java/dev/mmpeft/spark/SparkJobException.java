package dev.mmpeft.spark;

import dev.mmpeft.core.MmpeftException;

/**
 * A Spark job of the SDK that cannot be set up or whose output cannot be read or written; the
 * message names the option, file or cell, what was found and what was expected. Why its own type:
 * callers can tell a bad job from a failure inside the model code that Spark reports.
 */
public class SparkJobException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    public SparkJobException(String message) {
        super(message);
    }

    public SparkJobException(String message, Throwable cause) {
        super(message, cause);
    }
}
