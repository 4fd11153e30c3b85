package dev.mmpeft.core.train.internal;

import dev.mmpeft.core.cache.FeatureCache;
import dev.mmpeft.core.train.TrainableModel;
import dev.mmpeft.core.train.TrainerConfig;
import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feature cache of one training run: opened from the trainer's settings, attached to the model
 * for the run, detached, flushed and reported at the end. Why its own class: the run's loop knows
 * nothing of it, the model decides what it may reuse.
 */
public final class FeatureReuse implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FeatureReuse.class);
    /** The cache folder's name inside the output folder when no folder is set. */
    public static final String DEFAULT_DIR = FeatureCache.DEFAULT_FOLDER;

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
        FeatureCache cache = dir.isPresent()
                ? FeatureCache.open(dir.get(), config.featureCacheBytes())
                : FeatureCache.inMemory(config.featureCacheBytes());
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
