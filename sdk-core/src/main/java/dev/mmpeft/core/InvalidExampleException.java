package dev.mmpeft.core;

/**
 * A {@link MultimodalExample} whose fields contradict each other (an answer index outside the
 * choices, choice images that do not match the choices, a blank id). The message names the
 * example's id and the field; dataset readers add the file and record it came from.
 */
public class InvalidExampleException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    public InvalidExampleException(String message) {
        super(message);
    }
}
