package dev.mmpeft.serving;

import java.nio.file.Path;
import org.immutables.value.Value;

/**
 * A registered adapter as a {@link ServingEngine} lists it: its name, directory, method, and
 * whether it is in memory now (a registered adapter that is not is loaded again on its next use).
 */
@Value.Immutable
public abstract class AdapterInfo {
    /** The name requests use. */
    public abstract String name();

    /** The adapter directory it loads from. */
    public abstract Path directory();

    /** The method ({@code peft_type}: {@code LORA}, {@code IA3}, ...). */
    public abstract String peftType();

    /** Whether it is loaded now. */
    public abstract boolean resident();

    public static Builder builder() {
        return new Builder();
    }

    /** The builder of an {@link AdapterInfo}. */
    public static class Builder extends ImmutableAdapterInfo.Builder {}
}
