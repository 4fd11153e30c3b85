package dev.mmpeft.core.cache;

import dev.mmpeft.core.MmpeftException;

/**
 * A feature-cache folder or shard that cannot be used: its message names the file, what was found
 * and what was expected. Raised instead of silently recomputing, because a shard that is not ours
 * in a cache folder usually means the folder was pointed at the wrong place.
 */
public class FeatureCacheException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    public FeatureCacheException(String message) {
        super(message);
    }

    public FeatureCacheException(String message, Throwable cause) {
        super(message, cause);
    }
}
