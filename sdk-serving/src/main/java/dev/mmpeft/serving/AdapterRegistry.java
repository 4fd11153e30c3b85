package dev.mmpeft.serving;

import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.peft.AdapterMismatchException;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftConfig;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.peft.TargetNotFoundException;
import dev.mmpeft.peft.format.AdapterFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The adapters an engine knows (name to directory) and the ones in memory, at most a bound, the
 * least recently used unloaded first. Confined to the engine's worker thread, except
 * {@link #list()}, which reads published state. Adapters load into one {@link PeftModel} over the
 * shared frozen base: loading and unloading never touch the base weights.
 */
final class AdapterRegistry {
    /** Names a request may use: no dots (PEFT adapter names), no path separators. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    private record Registered(Path dir, String peftType) {}

    private final PeftModel<InstructBlip> peft;
    private final String baseModelName;
    private final int maxResident;
    private final ServingMetrics metrics;
    private final Map<String, Registered> registered = new ConcurrentHashMap<>();
    /** In memory, least recently used first (access order). */
    private final LinkedHashMap<String, Boolean> resident = new LinkedHashMap<>(16, 0.75f, true);
    private final Set<String> residentView = ConcurrentHashMap.newKeySet();

    AdapterRegistry(PeftModel<InstructBlip> peft, String baseModelName, int maxResident, ServingMetrics metrics) {
        this.peft = peft;
        this.baseModelName = baseModelName;
        this.maxResident = maxResident;
        this.metrics = metrics;
    }

    static void checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new ServingException(ServingException.Reason.BAD_REQUEST, "adapter name '" + name
                    + "' is not allowed; expected 1-64 letters, digits, '_' or '-', starting with a letter or digit");
        }
    }

    /**
     * Registers {@code dir} under {@code name} after reading its config: the files must be an
     * adapter this SDK reads, made for this engine's base model.
     */
    void register(String name, Path dir) {
        checkName(name);
        if (registered.containsKey(name)) {
            throw new ServingException(ServingException.Reason.ADAPTER_EXISTS, "an adapter named '" + name
                    + "' is already registered (from " + registered.get(name).dir() + "); unload it first");
        }
        if (!Files.isRegularFile(dir.resolve(AdapterFiles.CONFIG))) {
            throw new ServingException(ServingException.Reason.INVALID_ADAPTER, "adapter '" + name + "': " + dir
                    + " has no " + AdapterFiles.CONFIG);
        }
        PeftConfig config;
        try {
            config = Peft.readConfig(dir);
        } catch (MmpeftException e) {
            throw new ServingException(ServingException.Reason.INVALID_ADAPTER, "adapter '" + name + "': " + e.getMessage(), e);
        }
        config.baseModelNameOrPath().ifPresent(id -> {
            if (!sameModel(id, baseModelName)) {
                throw new ServingException(ServingException.Reason.ADAPTER_MISMATCH, "adapter '" + name + "' was trained on '"
                        + id + "' (base_model_name_or_path in " + dir.resolve(AdapterFiles.CONFIG) + "); this service serves '"
                        + baseModelName + "'");
            }
        });
        registered.put(name, new Registered(dir, config.peftType()));
        publish();
    }

    /** Whether two model ids name the same model: equal, or the same last path segment (a local copy of a hub id). */
    static boolean sameModel(String a, String b) {
        return a.equals(b) || lastSegment(a).equals(lastSegment(b));
    }

    private static String lastSegment(String id) {
        String s = id.replaceAll("[/\\\\]+$", "");
        int slash = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
        return s.substring(slash + 1);
    }

    boolean isRegistered(String name) {
        return registered.containsKey(name);
    }

    /**
     * Makes {@code name} resident, loading it (and unloading the least recently used adapters not in
     * {@code keep} when the bound is reached), and marks it used.
     *
     * @throws ServingException when it is unknown or its files do not fit the model (it is then
     *     unregistered, since it can never load)
     */
    void ensureResident(String name, Collection<String> keep) {
        Registered r = registered.get(name);
        if (r == null) {
            throw unknown(name);
        }
        if (resident.get(name) == null) { // get() marks a resident adapter used
            makeRoom(keep);
            load(name, r);
        }
    }

    ServingException unknown(String name) {
        return new ServingException(ServingException.Reason.UNKNOWN_ADAPTER, "no adapter named '" + name
                + "'; registered: " + new ArrayList<>(new java.util.TreeSet<>(registered.keySet())));
    }

    private void makeRoom(Collection<String> keep) {
        Iterator<String> lru = resident.keySet().iterator();
        while (resident.size() >= maxResident && lru.hasNext()) {
            String victim = lru.next();
            if (!keep.contains(victim)) {
                lru.remove();
                peft.deleteAdapter(victim);
                metrics.evicted();
            }
        }
    }

    private void load(String name, Registered r) {
        try {
            peft.loadAdapter(r.dir(), name, false);
        } catch (AdapterMismatchException | TargetNotFoundException e) {
            registered.remove(name);
            publish();
            throw new ServingException(ServingException.Reason.ADAPTER_MISMATCH, "adapter '" + name + "' does not fit this"
                    + " service's base model '" + baseModelName + "': " + e.getMessage(), e);
        } catch (MmpeftException e) {
            registered.remove(name);
            publish();
            throw new ServingException(ServingException.Reason.INVALID_ADAPTER, "adapter '" + name + "' cannot be loaded from "
                    + r.dir() + ": " + e.getMessage(), e);
        }
        resident.put(name, Boolean.TRUE);
        metrics.loaded();
        publish();
    }

    /** Whether a resident adapter can share a batch with other adapters. */
    boolean routesRows(String name) {
        return peft.routesRows(name);
    }

    /** Unregisters an adapter and frees it if resident; false when there was none. */
    boolean unload(String name) {
        Registered r = registered.remove(name);
        if (resident.remove(name) != null) {
            peft.deleteAdapter(name);
        }
        publish();
        return r != null;
    }

    private void publish() {
        residentView.retainAll(resident.keySet());
        residentView.addAll(resident.keySet());
        metrics.adapters(resident.size(), registered.size());
    }

    /** Every registered adapter, by name (safe from any thread). */
    List<AdapterInfo> list() {
        List<AdapterInfo> out = new ArrayList<>();
        new java.util.TreeMap<>(registered).forEach((name, r) -> out.add(AdapterInfo.builder().name(name).directory(r.dir())
                .peftType(r.peftType()).resident(residentView.contains(name)).build()));
        return out;
    }
}
