package dev.mmpeft.core.io;

import dev.mmpeft.core.MmpeftException;

/**
 * An output folder that another run holds ({@link OutputLock}); the message names the folder, the
 * process and the lock file. Why a type of its own: a caller may wait and retry, or pick another
 * folder, where other failures are final.
 */
public final class OutputInUseException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    public OutputInUseException(String message) {
        super(message);
    }
}
