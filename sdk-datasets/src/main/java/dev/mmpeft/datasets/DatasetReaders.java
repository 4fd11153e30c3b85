package dev.mmpeft.datasets;

import com.google.common.collect.ImmutableMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Finds dataset readers by format name among the {@link DatasetReaderProvider}s on the class path
 * ({@link ServiceLoader}), so a new format is a jar away, not a code change.
 */
public final class DatasetReaders {
    private static volatile Map<String, DatasetReaderProvider> providers = Map.of();

    private DatasetReaders() {}

    /** A reader for format {@code name} ({@code scienceqa}, {@code iconqa}, {@code jsonl}, ...), not yet configured. */
    public static DatasetReader forFormat(String name) {
        return new DatasetReader(provider(name), ReadOptions.builder().build());
    }

    /** The provider of format {@code name}; a clear error listing the known formats otherwise. */
    public static DatasetReaderProvider provider(String name) {
        Map<String, DatasetReaderProvider> all = all();
        DatasetReaderProvider p = all.get(name.toLowerCase(Locale.ROOT));
        if (p == null) {
            throw new DatasetException(null, null, null,
                    "unknown dataset format '" + name + "' (known: " + String.join(", ", formats()) + ")");
        }
        return p;
    }

    /** The names of every format on the class path, sorted. */
    public static List<String> formats() {
        return all().keySet().stream().sorted().toList();
    }

    private static Map<String, DatasetReaderProvider> all() {
        Map<String, DatasetReaderProvider> found = providers;
        if (found.isEmpty()) {
            synchronized (DatasetReaders.class) {
                found = providers;
                if (found.isEmpty()) {
                    ImmutableMap.Builder<String, DatasetReaderProvider> b = ImmutableMap.builder();
                    for (DatasetReaderProvider p : ServiceLoader.load(
                            DatasetReaderProvider.class, DatasetReaders.class.getClassLoader())) {
                        b.put(p.name().toLowerCase(Locale.ROOT), p);
                    }
                    found = b.buildOrThrow();
                    providers = found;
                }
            }
        }
        return found;
    }
}
