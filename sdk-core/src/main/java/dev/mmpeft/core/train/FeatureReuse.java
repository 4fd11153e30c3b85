package dev.mmpeft.core.train;

import dev.mmpeft.core.cache.FeatureCache;
import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feature cache of one training run, or of an evaluation that follows one: opened, attached to
 * the model, detached, flushed and reported at the end. Why its own class: the run's loop knows
 * nothing of it, the model decides what it may reuse; and an experiment's final evaluation
 * attaches the same cache its training used.
 */
public final class FeatureReuse implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FeatureReuse.class);
    /** The cache folder's name inside the output folder when no folder is set. */
    public static final String DEFAULT_DIR = "feature-cache";

    private final TrainableModel<?> model;
    private final @Nullable FeatureCache cache;

    private FeatureReuse(TrainableModel<?> model, @Nullable FeatureCache cache) {
        this.model = model;
        this.cache = cache;
    }

    /** Opens the run's cache (none when reuse is off) and attaches it to {@code model}. */
    public static FeatureReuse attach(TrainerConfig config, TrainableModel<?> model) {
        if (!config.reuseFrozenFeatures()) {
            return new FeatureReuse(model, null);
        }
        Optional<Path> dir = config.featureCacheDir().or(() -> config.outputDir().map(d -> d.resolve(DEFAULT_DIR)));
        return attach(model, dir, config.featureCacheBytes());
    }

    /**
     * Opens the cache in {@code directory} (in memory only when empty), holding at most
     * {@code maxBytes} in memory, and attaches it to {@code model}.
     */
    public static FeatureReuse attach(TrainableModel<?> model, Optional<Path> directory, long maxBytes) {
        FeatureCache cache = directory.isPresent() ? FeatureCache.open(directory.get(), maxBytes) : FeatureCache.inMemory(maxBytes);
        try {
            model.reuseFrozenFeatures(cache);
        } catch (RuntimeException e) {
            cache.close();
            throw e;
        }
        return new FeatureReuse(model, cache);
    }

    /** The run's cache, when reuse is on. */
    public Optional<FeatureCache> cache() {
        return Optional.ofNullable(cache);
    }

    @Override
    public void close() {
        if (cache == null) {
            return;
        }
        try {
            model.reuseFrozenFeatures(null);
        } finally {
            FeatureCache.Stats s = cache.stats();
            cache.close();
            if (s.hits() + s.misses() > 0) {
                LOG.info("feature cache: {} hits ({} from disk), {} misses, {} entries in memory ({} of {} bytes), {} on disk",
                        s.hits(), s.diskHits(), s.misses(), s.memoryEntries(), s.memoryBytes(), s.maxMemoryBytes(), s.diskEntries());
            }
        }
    }
}
