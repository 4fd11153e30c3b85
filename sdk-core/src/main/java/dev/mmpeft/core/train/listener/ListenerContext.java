package dev.mmpeft.core.train.listener;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import org.immutables.value.Value;

/** What a {@link TrainingListenerProvider} may use to make its listener. */
@Value.Immutable
public abstract class ListenerContext {
    /** The run's output folder, if it has one (files listeners write go there). */
    public abstract Optional<Path> outputDir();

    /** Where console output goes. */
    public abstract PrintStream console();

    /** Whether {@link #console()} is an interactive terminal (a progress bar may redraw one line). */
    public abstract boolean interactive();

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link ListenerContext}; {@code build()} validates it. */
    public static class Builder extends ImmutableListenerContext.Builder {}
}
