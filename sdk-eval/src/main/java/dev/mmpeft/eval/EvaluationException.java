package dev.mmpeft.eval;

import dev.mmpeft.core.MmpeftException;

/**
 * Input an evaluator cannot score: predictions and references that do not pair up, a record
 * without the field a metric needs, a predictions file that cannot be read. The message names
 * the file, example or field, what was found and what was expected.
 */
public class EvaluationException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    public EvaluationException(String message) {
        super(message);
    }

    public EvaluationException(String message, Throwable cause) {
        super(message, cause);
    }
}
