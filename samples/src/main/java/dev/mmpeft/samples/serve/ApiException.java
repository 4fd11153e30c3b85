package dev.mmpeft.samples.serve;

import dev.mmpeft.core.MmpeftException;

/**
 * A request the HTTP layer refuses before the engine sees it (malformed JSON, a missing field, a
 * body or image over its limit), with the status and OpenAI-style error code it is answered with.
 */
public final class ApiException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    public ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
