package dev.mmpeft.datasets;

import dev.mmpeft.core.spi.ProviderRegistry;
import java.util.List;

/**
 * Finds dataset readers by format name among the {@link DatasetReaderProvider}s on the class path
 * (through the SDK's one {@link ProviderRegistry}), so a new format is a jar away, not a code
 * change; a provider with a higher rank replaces a built-in format of the same name.
 */
public final class DatasetReaders {
    private static final ProviderRegistry<DatasetReaderProvider> REGISTRY = ProviderRegistry.of(
            DatasetReaderProvider.class, "dataset format", message -> new DatasetException(null, null, null, message));

    private DatasetReaders() {}

    /** A reader for format {@code name} ({@code scienceqa}, {@code iconqa}, {@code jsonl}, ...), not yet configured. */
    public static DatasetReader forFormat(String name) {
        return new DatasetReader(provider(name), ReadOptions.builder().build());
    }

    /** The provider of format {@code name}; a clear error listing the known formats otherwise. */
    public static DatasetReaderProvider provider(String name) {
        return REGISTRY.get(name);
    }

    /** The names of every format on the class path, sorted. */
    public static List<String> formats() {
        return REGISTRY.names();
    }
}
