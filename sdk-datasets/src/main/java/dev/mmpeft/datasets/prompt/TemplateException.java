package dev.mmpeft.datasets.prompt;

import dev.mmpeft.core.MmpeftException;

/**
 * A prompt template that cannot be used: an unknown placeholder, an unclosed brace. The message
 * quotes the template, the position and the placeholders that exist.
 */
public final class TemplateException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    public TemplateException(String message) {
        super(message);
    }
}
