package dev.mmpeft.core.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableMap;
import dev.mmpeft.core.io.Json;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The tensors of a Hugging Face checkpoint, whether in one file or sharded, under one name space.
 *
 * <p>{@link #open(Path)} takes a directory ({@code model.safetensors}, else the shards listed by
 * {@code model.safetensors.index.json}, else a lone {@code *.safetensors}: the order transformers
 * looks in), a single {@code .safetensors} file, or an index file. Shards
 * are memory-mapped, and each tensor is read only when asked for, so loading a model never holds
 * the checkpoint and the model in memory at once.
 */
public final class Checkpoint implements Closeable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path location;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> owner;
    private final Map<String, String> metadata;

    private Checkpoint(
            Path location, List<SafetensorsFile> files, Map<String, SafetensorsFile> owner, Map<String, String> metadata) {
        this.location = location;
        this.files = files;
        this.owner = owner;
        this.metadata = metadata;
    }

    /**
     * Opens a checkpoint directory or a single safetensors file.
     *
     * @throws SafetensorsException if no checkpoint is found, a file is invalid, or the index names
     *     a missing shard or a tensor its shard does not hold
     */
    public static Checkpoint open(Path location) {
        if (Files.isRegularFile(location)) {
            if (location.getFileName().toString().endsWith(".json")) {
                return openIndex(location);
            }
            SafetensorsFile file = SafetensorsFile.open(location);
            return single(location, file);
        }
        if (!Files.isDirectory(location)) {
            throw new SafetensorsException(location + ": no such checkpoint file or directory");
        }
        // the order transformers looks in: the single file wins over an index
        Path single = location.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return single(location, SafetensorsFile.open(single));
        }
        Path index = location.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return openIndex(index);
        }
        List<Path> candidates = new ArrayList<>();
        try (Stream<Path> list = Files.list(location)) {
            list.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().forEach(candidates::add);
        } catch (IOException e) {
            throw new SafetensorsException(location + ": cannot list directory: " + e, e);
        }
        if (candidates.size() == 1) {
            return single(location, SafetensorsFile.open(candidates.get(0)));
        }
        throw new SafetensorsException(
                location
                        + ": expected "
                        + SINGLE_FILE
                        + " or "
                        + INDEX_FILE
                        + (candidates.isEmpty() ? ", found no .safetensors file" : ", found several .safetensors files and no index: " + candidates));
    }

    private static Checkpoint single(Path location, SafetensorsFile file) {
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        for (String name : file.names()) {
            owner.put(name, file);
        }
        return new Checkpoint(location, List.of(file), owner, file.metadata());
    }

    private static Checkpoint openIndex(Path index) {
        JsonNode root;
        try {
            root = Json.read(index);
        } catch (Json.JsonFileException e) {
            throw new SafetensorsException(e.getMessage(), e);
        }
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new SafetensorsException(index + ": missing 'weight_map' object");
        }
        // normalised like the shard paths below, so that a location reached through ".." is still inside
        Path dir = index.toAbsolutePath().normalize().getParent();
        Map<String, SafetensorsFile> byFile = new LinkedHashMap<>();
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        try {
            for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new SafetensorsException(index + ": weight_map entry '" + e.getKey() + "' must name a file");
                }
                String shardName = e.getValue().asText();
                Path shard;
                try {
                    shard = dir.resolve(shardName).normalize();
                } catch (InvalidPathException bad) {
                    throw new SafetensorsException(index + ": weight_map entry '" + e.getKey() + "' names shard '" + shardName
                            + "', which is not a valid file name (" + bad.getReason() + ")");
                }
                if (!shard.startsWith(dir)) {
                    throw new SafetensorsException(index + ": shard '" + shardName + "' lies outside the checkpoint directory");
                }
                SafetensorsFile file = byFile.get(shardName);
                if (file == null) {
                    if (!Files.isRegularFile(shard)) {
                        throw new SafetensorsException(
                                index + ": tensor '" + e.getKey() + "' is in shard '" + shardName + "', which does not exist");
                    }
                    file = SafetensorsFile.open(shard);
                    byFile.put(shardName, file);
                }
                if (file.find(e.getKey()).isEmpty()) {
                    throw new SafetensorsException(
                            index + ": tensor '" + e.getKey() + "' is listed in shard '" + shardName + "' but that shard does not hold it");
                }
                owner.put(e.getKey(), file);
            }
        } catch (RuntimeException e) {
            closeQuietly(byFile.values(), e);
            throw e;
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode meta = root.get("metadata");
        if (meta != null && meta.isObject()) {
            meta.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        }
        return new Checkpoint(index, new ArrayList<>(byFile.values()), owner, ImmutableMap.copyOf(metadata));
    }

    private static void closeQuietly(Iterable<SafetensorsFile> files, Exception cause) {
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (IOException suppressed) {
                cause.addSuppressed(suppressed);
            }
        }
    }

    /** Where this checkpoint was opened from. */
    public Path location() {
        return location;
    }

    /** The files behind it (one, or one per shard). */
    public List<SafetensorsFile> files() {
        return List.copyOf(files);
    }

    /** Metadata of the single file, or of the shard index. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** All tensor names, in file (or index) order. */
    public Set<String> names() {
        return owner.keySet();
    }

    /** A tensor's header entry, if present. */
    public Optional<TensorInfo> find(String name) {
        SafetensorsFile f = owner.get(name);
        return f == null ? Optional.empty() : f.find(name);
    }

    /**
     * A tensor's header entry.
     *
     * @throws SafetensorsException when absent
     */
    public TensorInfo info(String name) {
        return find(name).orElseThrow(() -> new SafetensorsException(location + ": no tensor named '" + name + "'"));
    }

    /** Loads one tensor (see {@link SafetensorsFile#load}). */
    public NDArray load(String name, NDManager manager) {
        SafetensorsFile f = owner.get(name);
        if (f == null) {
            throw new SafetensorsException(location + ": no tensor named '" + name + "'");
        }
        return f.load(name, manager);
    }

    /** A tensor exactly as stored, for bit-exact copying (see {@link SafetensorsFile#data}). */
    public TensorData data(String name) {
        SafetensorsFile f = owner.get(name);
        if (f == null) {
            throw new SafetensorsException(location + ": no tensor named '" + name + "'");
        }
        return f.data(name);
    }

    /** Total number of elements over all tensors. */
    public long parameterCount() {
        long n = 0;
        for (String name : names()) {
            n += info(name).elementCount();
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
