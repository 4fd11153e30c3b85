package dev.mmpeft.core.train.listener;

import dev.mmpeft.core.spi.NamedProvider;

/**
 * Service-provider interface for listeners, found with {@link java.util.ServiceLoader} (register
 * the class in {@code META-INF/services/dev.mmpeft.core.train.listener.TrainingListenerProvider}).
 * A run uses the providers it names ({@code Trainer.builder().listeners("progress", ...)}), or,
 * by default, those that are {@link #enabledByDefault()}; the system property
 * {@code mmpeft.listeners} (comma-separated names, or {@code none}) overrides the default. Names
 * are looked up as every registry of the SDK does ({@link dev.mmpeft.core.spi.ProviderRegistry}):
 * ignoring case, the highest {@link #rank()} winning.
 */
public interface TrainingListenerProvider extends NamedProvider {
    /** A short name ({@code progress}, {@code metrics}, {@code log}; {@code loss-plot} with sdk-plots). */
    @Override
    String name();

    /** Whether a run uses this provider when it names none. */
    default boolean enabledByDefault() {
        return true;
    }

    /** A fresh listener for one run. */
    TrainingListener create(ListenerContext context);
}
