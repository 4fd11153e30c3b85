package dev.mmpeft.core.cache;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.mmpeft.core.safetensors.DType;
import dev.mmpeft.core.safetensors.SafetensorsException;
import dev.mmpeft.core.safetensors.SafetensorsFile;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.core.safetensors.TensorData;
import dev.mmpeft.core.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outputs of a frozen, deterministic model prefix (for InstructBLIP: the vision encoder's features
 * of one image) under a {@link FeatureKey content key}, kept in memory up to a byte bound and, when
 * the cache has a folder, in safetensors shards there. Why: in PEFT runs the frozen vision encoder
 * computes the same features for the same images every epoch and in every sweep cell; reading
 * them back costs a copy instead of a forward pass.
 *
 * <p>Keys carry everything the output depends on (model weights, preprocessing, input bytes), so a
 * cache is invalidated by construction: a changed model or image gives another key, and stale
 * entries are simply never read. The format of the folder is described in
 * {@code docs/file-formats.md}: shards {@code features-<16 hex>.safetensors}, each tensor named by
 * its 64-hex key, metadata {@code format = mmpeft-feature-cache}, {@code version = 1}; shards are
 * written atomically and memory-mapped when read.
 *
 * <p>Values are copied in and out (never shared with a caller's array), so an entry outlives the
 * batch scope it came from. Not thread-safe beyond the synchronisation of its own methods.
 */
public final class FeatureCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FeatureCache.class);
    /** The {@code __metadata__} {@code format} value of every shard. */
    public static final String FORMAT = "mmpeft-feature-cache";
    /** The {@code __metadata__} {@code version} value this code writes and reads. */
    public static final String VERSION = "1";
    /** The default in-memory bound: 512 MiB. */
    public static final long DEFAULT_MEMORY_BYTES = 512L << 20;
    /** Pending entries are written as a shard once they reach this many bytes (and on flush/close). */
    static final long SHARD_BYTES = 64L << 20;

    private final long maxMemoryBytes;
    private final Cache<String, Entry> memory;
    private final Optional<Path> directory;
    private final Map<String, SafetensorsFile> onDisk = new HashMap<>();
    private final List<SafetensorsFile> shards = new ArrayList<>();
    private final Map<String, Entry> pending = new LinkedHashMap<>();
    private long pendingBytes;
    private long hits;
    private long diskHits;
    private long misses;
    private long writtenShards;

    private FeatureCache(long maxMemoryBytes, Optional<Path> directory) {
        if (maxMemoryBytes < 0) {
            throw new FeatureCacheException("feature cache memory bound: " + maxMemoryBytes + " bytes; expected >= 0");
        }
        this.maxMemoryBytes = maxMemoryBytes;
        this.memory = CacheBuilder.newBuilder()
                .concurrencyLevel(1) // one segment: the byte bound holds for the whole cache, not per segment
                .maximumWeight(maxMemoryBytes)
                .weigher((String k, Entry e) -> e.bytes.length)
                .build();
        this.directory = directory;
    }

    /** A cache in memory only, holding at most {@code maxBytes} bytes of values (least recently used go first). */
    public static FeatureCache inMemory(long maxBytes) {
        return new FeatureCache(maxBytes, Optional.empty());
    }

    /**
     * A cache in memory (at most {@code maxBytes}) backed by the shards of {@code directory}
     * (created when the first shard is written): every entry found there is readable at once, new entries are written
     * there in shards.
     *
     * @throws FeatureCacheException naming the folder or shard when the folder cannot be created or
     *     read, or holds a safetensors file that is not a feature-cache shard of this version
     */
    public static FeatureCache open(Path directory, long maxBytes) {
        FeatureCache cache = new FeatureCache(maxBytes, Optional.of(directory));
        try {
            if (!Files.isDirectory(directory)) {
                return cache; // created when the first shard is written: a run with nothing to cache leaves no folder
            }
            List<Path> files;
            try (Stream<Path> list = Files.list(directory)) {
                files = list.filter(p -> p.getFileName().toString().endsWith(".safetensors")
                        && !p.getFileName().toString().startsWith(".")).sorted().toList();
            }
            for (Path f : files) {
                cache.register(f);
            }
        } catch (IOException e) {
            cache.close();
            throw new FeatureCacheException("feature cache folder " + directory + " cannot be read: " + e, e);
        } catch (RuntimeException e) {
            cache.close();
            throw e;
        }
        return cache;
    }

    private void register(Path file) {
        SafetensorsFile shard;
        try {
            shard = SafetensorsFile.open(file);
        } catch (SafetensorsException e) {
            throw new FeatureCacheException("feature cache shard " + file + " is not a valid safetensors file ("
                    + e.getMessage() + "); delete it or the folder to start the cache afresh", e);
        }
        String format = shard.metadata().get("format");
        String version = shard.metadata().get("version");
        if (!FORMAT.equals(format) || !VERSION.equals(version)) {
            closeQuietly(shard);
            throw new FeatureCacheException("feature cache shard " + file + ": __metadata__ format '" + format + "' version '"
                    + version + "'; expected format '" + FORMAT + "' version '" + VERSION + "' (is this the right cache folder?)");
        }
        shards.add(shard);
        for (String name : shard.names()) {
            onDisk.put(name, shard);
        }
    }

    /**
     * The value stored under {@code key} as a new array owned by {@code manager} (on its device),
     * or empty when the key is unknown.
     */
    public synchronized Optional<NDArray> get(String key, NDManager manager) {
        Entry e = memory.getIfPresent(key);
        if (e == null) {
            e = pending.get(key);
        }
        if (e == null) {
            SafetensorsFile shard = onDisk.get(key);
            if (shard != null) {
                e = read(shard, key);
                memory.put(key, e);
                diskHits++;
            }
        }
        if (e == null) {
            misses++;
            return Optional.empty();
        }
        hits++;
        return Optional.of(e.toArray(manager));
    }

    /** Whether {@code key} is known (in memory, pending or on disk), without counting a hit or miss. */
    public synchronized boolean contains(String key) {
        return memory.getIfPresent(key) != null || pending.containsKey(key) || onDisk.containsKey(key);
    }

    /** Stores a copy of {@code value} under {@code key} (a 64-hex {@link FeatureKey}); a known key is left as it is. */
    public synchronized void put(String key, NDArray value) {
        if (contains(key)) {
            return;
        }
        Entry e = Entry.of(value);
        memory.put(key, e);
        if (directory.isPresent()) {
            pending.put(key, e);
            pendingBytes += e.bytes.length;
            if (pendingBytes >= SHARD_BYTES) {
                flush();
            }
        }
    }

    /**
     * Writes the entries not yet on disk as one new shard (atomically), when the cache has a folder.
     *
     * @throws FeatureCacheException naming the shard when it cannot be written
     */
    public synchronized void flush() {
        if (directory.isEmpty() || pending.isEmpty()) {
            return;
        }
        FeatureKey name = FeatureKey.builder();
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> e : pending.entrySet()) {
            name.add(e.getKey());
            Entry v = e.getValue();
            tensors.put(e.getKey(), TensorData.of(v.dtype, v.shape, ByteBuffer.wrap(v.bytes).order(ByteOrder.LITTLE_ENDIAN)));
        }
        Path file = directory.get().resolve("features-" + name.build().substring(0, 16) + ".safetensors");
        try {
            Files.createDirectories(directory.get());
            SafetensorsWriter.writeData(file, tensors, Map.of("format", FORMAT, "version", VERSION));
        } catch (IOException e) {
            throw new FeatureCacheException("feature cache shard " + file + " cannot be written: " + e.getMessage(), e);
        }
        register(file);
        writtenShards++;
        LOG.debug("feature cache: wrote {} entries ({} bytes) to {}", pending.size(), pendingBytes, file);
        pending.clear();
        pendingBytes = 0;
    }

    /** Counters since this cache was opened. */
    public synchronized Stats stats() {
        long bytes = 0;
        for (Entry e : memory.asMap().values()) {
            bytes += e.bytes.length;
        }
        return new Stats(hits, diskHits, misses, memory.size(), bytes, maxMemoryBytes, onDisk.size(), writtenShards);
    }

    /** The shard folder, when the cache has one. */
    public Optional<Path> directory() {
        return directory;
    }

    /** Writes what is pending and releases the shard mappings. */
    @Override
    public synchronized void close() {
        try {
            flush();
        } finally {
            for (SafetensorsFile s : shards) {
                closeQuietly(s);
            }
            shards.clear();
            onDisk.clear();
            memory.invalidateAll();
        }
    }

    private static Entry read(SafetensorsFile shard, String key) {
        TensorInfo info = shard.info(key);
        ByteBuffer raw = shard.rawBytes(key);
        byte[] bytes = new byte[raw.remaining()];
        raw.get(bytes);
        return new Entry(info.dtype(), info.shape(), bytes);
    }

    private static void closeQuietly(SafetensorsFile f) {
        try {
            f.close();
        } catch (IOException e) {
            LOG.debug("closing {} failed: {}", f.path(), e.toString());
        }
    }

    /**
     * Counters of a cache: hits (of which read from disk), misses, entries and bytes in memory
     * against the bound, entries on disk and shards this cache wrote.
     */
    public record Stats(long hits, long diskHits, long misses, long memoryEntries, long memoryBytes, long maxMemoryBytes,
            long diskEntries, long shardsWritten) {}

    /** One value: element type, shape and little-endian bytes on the heap. */
    private static final class Entry {
        final DType dtype;
        final long[] shape;
        final byte[] bytes;

        Entry(DType dtype, long[] shape, byte[] bytes) {
            this.dtype = dtype;
            this.shape = shape;
            this.bytes = bytes;
        }

        static Entry of(NDArray value) {
            NDArray cpu = value.getDevice().isGpu() ? value.toDevice(Device.cpu(), true) : value;
            ByteBuffer buf = cpu.toByteBuffer(false).order(ByteOrder.LITTLE_ENDIAN);
            byte[] bytes = new byte[buf.remaining()];
            buf.get(bytes);
            if (cpu != value) {
                cpu.close();
            }
            return new Entry(DType.of(value.getDataType()), value.getShape().getShape(), bytes);
        }

        NDArray toArray(NDManager manager) {
            if (manager.getDevice().isGpu()) {
                try (NDManager cpu = NDManager.newBaseManager(Device.cpu())) {
                    NDArray moved = toArray(cpu).toDevice(manager.getDevice(), true);
                    moved.attach(manager);
                    return moved;
                }
            }
            NDArray array = manager.create(new Shape(shape), dtype.loadedAs());
            if (bytes.length > 0) {
                array.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN).put(0, bytes, 0, bytes.length);
            }
            return array;
        }
    }
}
