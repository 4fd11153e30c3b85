package dev.mmpeft.models.processing;

import dev.mmpeft.core.MmpeftException;

/**
 * A tokenizer or vocabulary file that cannot be used ({@code tokenizer.json},
 * {@code tokenizer_config.json}, a llama2.c {@code tokenizer.bin}): missing, unreadable, malformed
 * or inconsistent. The message names the file, and the field or token where there is one, with
 * what was found and what was expected; the native tokenizer library's own error, when it gave
 * one, follows.
 */
public class TokenizerException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
