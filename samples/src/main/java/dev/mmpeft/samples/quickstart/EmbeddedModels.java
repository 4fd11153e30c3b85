package dev.mmpeft.samples.quickstart;

import dev.mmpeft.core.MmpeftException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The models packaged with the samples, by name, and the one resolver every {@code --model} (and
 * Java caller) goes through: {@code embedded} is the default model, {@code embedded:NAME} a packaged
 * model by its name or alias, anything else a Hugging Face directory. Why: a user should never
 * have to find a model inside the sources or the cache to point a command at it.
 *
 * <pre>{@code
 * Path dir = EmbeddedModels.resolve("embedded");            // unpacked into the cache on first use
 * Path same = EmbeddedModels.resolve("embedded:flan-t5");   // by family alias
 * Path llava = EmbeddedModels.resolve("embedded:llava");    // the embedded LLaVA (mmpeft-tiny-llava)
 * Path lavin = EmbeddedModels.resolve("embedded:lavin");    // the embedded LaVIN (mmpeft-tiny-lavin)
 * Path mine = EmbeddedModels.resolve("models/instructblip-flan-t5-xl");
 * }</pre>
 */
public final class EmbeddedModels {
    /** What names the embedded models: {@code embedded} alone, or {@code embedded:NAME}. */
    public static final String SCHEME = "embedded";

    /** One packaged model: its name, its aliases, and how to get its directory. */
    private record Entry(String name, List<String> aliases, Supplier<Path> directory) {}

    private static final Map<String, Entry> BY_NAME = registry();

    /** The model {@code embedded} alone stands for. */
    private static final String DEFAULT = DefaultModel.NAME;

    private EmbeddedModels() {}

    private static Map<String, Entry> registry() {
        Map<String, Entry> m = new LinkedHashMap<>();
        // one entry per packaged model: one per family (EmbeddedFamily), the default first
        for (EmbeddedFamily f : EmbeddedFamily.values()) {
            m.put(f.modelName(), new Entry(f.modelName(), f.aliases(), f::directory));
        }
        return m;
    }

    /** The packaged models' names (the first is the default). */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** Whether {@code spec} names an embedded model ({@code embedded} or {@code embedded:NAME}). */
    public static boolean isEmbedded(String spec) {
        String s = spec.strip().toLowerCase(Locale.ROOT);
        return s.equals(SCHEME) || s.startsWith(SCHEME + ":");
    }

    /**
     * The directory of a model spec: an embedded model (unpacked and checked on first use) or the
     * path itself.
     *
     * @throws MmpeftException naming the unknown embedded name and the known ones
     */
    public static Path resolve(String spec) {
        return isEmbedded(spec) ? entry(spec).directory().get() : Path.of(spec);
    }

    /** How runs, reports and adapters name the model of a spec: the embedded model's name, else the path as given. */
    public static String modelId(String spec) {
        return isEmbedded(spec) ? entry(spec).name() : spec;
    }

    private static Entry entry(String spec) {
        String s = spec.strip();
        String name = s.length() == SCHEME.length() ? DEFAULT : s.substring(SCHEME.length() + 1).strip().toLowerCase(Locale.ROOT);
        for (Entry e : BY_NAME.values()) {
            if (e.name().equals(name) || e.aliases().contains(name)) {
                return e;
            }
        }
        List<String> known = new ArrayList<>();
        BY_NAME.values().forEach(e -> known.add(SCHEME + ":" + e.name() + " (alias " + String.join(", ", e.aliases()) + ")"));
        throw new MmpeftException("unknown embedded model '" + spec + "'; embedded models: " + SCHEME + " (the default), "
                + String.join(", ", known));
    }
}
