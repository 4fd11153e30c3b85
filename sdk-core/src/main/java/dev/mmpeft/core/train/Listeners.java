package dev.mmpeft.core.train;

import dev.mmpeft.core.spi.ProviderRegistry;
import dev.mmpeft.core.train.listener.ListenerContext;
import dev.mmpeft.core.train.listener.TrainingListener;
import dev.mmpeft.core.train.listener.TrainingListenerProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The registry of {@link TrainingListenerProvider}s and the choice of a run's listeners: the names
 * the trainer was given, else the {@code mmpeft.listeners} system property (comma-separated, or
 * {@code none}), else every provider that is enabled by default.
 */
final class Listeners {
    static final ProviderRegistry<TrainingListenerProvider> REGISTRY =
            ProviderRegistry.of(TrainingListenerProvider.class, "listener", TrainingException::new);

    private Listeners() {}

    /** Fresh listeners of one run of {@code trainer} writing to {@code outputDir}. */
    static List<TrainingListener> create(Trainer trainer, Optional<Path> outputDir) {
        ListenerContext context = ListenerContext.builder()
                .outputDir(outputDir)
                .console(trainer.console())
                .interactive(trainer.interactive())
                .build();
        Optional<List<String>> names = trainer.listenerNames();
        String property = System.getProperty("mmpeft.listeners");
        if (names.isEmpty() && property != null) {
            names = Optional.of(property.isBlank() || property.trim().equals("none")
                    ? List.of() : Arrays.stream(property.split(",")).map(String::trim).toList());
        }
        List<TrainingListener> out = new ArrayList<>();
        if (names.isPresent()) {
            for (String name : names.get()) {
                out.add(REGISTRY.get(name).create(context));
            }
        } else {
            for (TrainingListenerProvider p : REGISTRY.providers().values()) {
                if (p.enabledByDefault()) {
                    out.add(p.create(context));
                }
            }
        }
        return out;
    }
}
