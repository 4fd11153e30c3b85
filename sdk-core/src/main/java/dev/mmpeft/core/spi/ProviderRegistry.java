package dev.mmpeft.core.spi;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.WeakHashMap;
import java.util.function.Function;

/**
 * The one ServiceLoader lookup of the SDK: providers of one extension point by name, ignoring case,
 * the highest {@link NamedProvider#rank()} winning among providers of one name, and an error that
 * lists the known names. Why one helper: every registry (dataset formats, evaluators, training
 * listeners, ...) then finds, overrides and reports providers the same way.
 *
 * <p>Providers are loaded from the calling thread's context class loader and from the class loader
 * of the extension point, once per context class loader (a plug-in loaded later under another
 * loader is seen by threads that use it); {@link #reload()} forgets what was found.
 *
 * @param <P> the provider interface
 */
public final class ProviderRegistry<P extends NamedProvider> {
    private final Class<P> type;
    private final String kind;
    private final Function<String, ? extends RuntimeException> unknown;
    private final Map<ClassLoader, Map<String, P>> cache = new WeakHashMap<>();

    private ProviderRegistry(Class<P> type, String kind, Function<String, ? extends RuntimeException> unknown) {
        this.type = type;
        this.kind = kind;
        this.unknown = unknown;
    }

    /**
     * A registry of {@code type}'s providers.
     *
     * @param kind what a provider makes, for messages ({@code dataset format}, {@code evaluator})
     * @param unknown the module's own exception for a message about an unknown name
     */
    public static <P extends NamedProvider> ProviderRegistry<P> of(
            Class<P> type, String kind, Function<String, ? extends RuntimeException> unknown) {
        return new ProviderRegistry<>(type, kind, unknown);
    }

    /** The key a name is stored and looked up under: trimmed, lower case. */
    public static String key(String name) {
        return name.strip().toLowerCase(Locale.ROOT);
    }

    /**
     * The winning provider of {@code name}.
     *
     * @throws RuntimeException the registry's exception: "unknown KIND 'NAME' (known: a, b, c)"
     */
    public P get(String name) {
        return find(name).orElseThrow(() -> unknown.apply(
                "unknown " + kind + " '" + name + "' (known: " + String.join(", ", names()) + ")"));
    }

    /** The winning provider of {@code name}, if any. */
    public Optional<P> find(String name) {
        return Optional.ofNullable(providers().get(key(name)));
    }

    /** The names of all providers, sorted. */
    public List<String> names() {
        return List.copyOf(providers().keySet());
    }

    /** The winning provider of every name, sorted by name. */
    public Map<String, P> providers() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ClassLoader own = type.getClassLoader();
        ClassLoader key = context != null ? context : own;
        synchronized (cache) {
            Map<String, P> found = cache.get(key);
            if (found == null) {
                Map<String, P> byName = new TreeMap<>();
                if (context != null) {
                    load(ServiceLoader.load(type, context), byName);
                }
                if (context != own) {
                    load(ServiceLoader.load(type, own), byName);
                }
                found = Collections.unmodifiableMap(byName);
                cache.put(key, found);
            }
            return found;
        }
    }

    /** Forgets what was found, so that the next lookup scans the class path again. */
    public void reload() {
        synchronized (cache) {
            cache.clear();
        }
    }

    private void load(ServiceLoader<P> loader, Map<String, P> byName) {
        for (P p : loader) {
            String name = key(p.name());
            P existing = byName.get(name);
            // ties keep the first found: the context class loader's, then the extension point's
            if (existing == null || p.rank() > existing.rank()) {
                byName.put(name, p);
            }
        }
    }
}
