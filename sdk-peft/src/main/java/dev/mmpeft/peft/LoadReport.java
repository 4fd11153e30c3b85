package dev.mmpeft.peft;

import java.nio.file.Path;
import java.util.List;
import org.immutables.value.Value;

/**
 * What loading an adapter found: tensors the adapter should have but the file lacks (they keep
 * their initial values, as in PEFT) and tensors in the file the model does not know (ignored).
 * Shape mismatches are never reported here: they fail the load.
 */
@Value.Immutable
public abstract class LoadReport {
    /** The adapter directory. */
    public abstract Path source();

    /** The adapter name it was loaded under. */
    public abstract String adapter();

    /** File keys the adapter expects but the file lacks. */
    public abstract List<String> missing();

    /** File keys the adapter does not use. */
    public abstract List<String> unexpected();

    /** Number of tensors loaded. */
    public abstract int loaded();

    /** Whether every expected tensor was present and none was left over. */
    public boolean isExact() {
        return missing().isEmpty() && unexpected().isEmpty();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The builder of a {@link LoadReport}. */
    public static class Builder extends ImmutableLoadReport.Builder {}
}
