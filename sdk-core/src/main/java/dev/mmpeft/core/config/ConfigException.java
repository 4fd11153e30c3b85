package dev.mmpeft.core.config;

import dev.mmpeft.core.MmpeftException;

/**
 * A Hugging Face {@code config.json} that cannot be used: unreadable, invalid JSON, a required
 * field missing, a field of the wrong type or an impossible value. The message names the file and
 * the field path ({@code text_config.d_model}).
 */
public final class ConfigException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
