package dev.mmpeft.experiments;

import dev.mmpeft.core.MmpeftException;

/**
 * A setting, grid or run of an experiment that cannot be carried out; the message names the
 * setting or option, what was found and what was expected.
 */
public class ExperimentException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    public ExperimentException(String message) {
        super(message);
    }
}
