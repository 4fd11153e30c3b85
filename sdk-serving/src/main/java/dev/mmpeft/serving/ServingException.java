package dev.mmpeft.serving;

import dev.mmpeft.core.MmpeftException;

/**
 * A request or adapter operation the engine refuses or could not finish, with the {@link Reason}
 * a service maps to its status code (an unknown adapter is a 404, a full queue a 429). The message
 * names the adapter, field or limit, what was found and what was expected.
 */
public class ServingException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    /** Why a request or operation failed, as coarse as a client needs to react. */
    public enum Reason {
        /** The request itself is malformed or out of range (a field, a count, an image). */
        BAD_REQUEST,
        /** The prompt or {@code max_new_tokens} exceeds the configured limit. */
        TOO_MANY_TOKENS,
        /** No adapter of that name is registered. */
        UNKNOWN_ADAPTER,
        /** The adapter was made for another base model (its base model id or tensor shapes differ). */
        ADAPTER_MISMATCH,
        /** The adapter directory cannot be read as an adapter (missing or malformed files). */
        INVALID_ADAPTER,
        /** An adapter of that name is already registered. */
        ADAPTER_EXISTS,
        /** The queue is full; retry later. */
        QUEUE_FULL,
        /** The request waited or ran longer than its timeout. */
        TIMEOUT,
        /** The engine is shutting down. */
        SHUTDOWN,
        /** The computation itself failed (an engine error, not the request's fault). */
        INTERNAL
    }

    private final Reason reason;

    public ServingException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ServingException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Why it failed. */
    public Reason reason() {
        return reason;
    }
}
