package dev.mmpeft.core.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.safetensors.SafetensorsFile;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feature cache: exact values back, the byte bound, shards on disk read by a later cache, bad shards refused. */
class FeatureCacheTest {
    private static String key(String s) {
        return FeatureKey.builder().add(s).build();
    }

    @Test
    void valuesComeBackBitExactAsNewArrays() {
        try (NDManager m = NDManager.newBaseManager(); FeatureCache cache = FeatureCache.inMemory(1 << 20)) {
            NDArray v = m.create(new float[] {1.5f, -2.25f, 3e-8f, Float.MAX_VALUE, 0f, 7f}, new Shape(2, 3));
            cache.put(key("a"), v);
            v.muli(0); // the cache holds a copy, not the caller's array
            NDArray back = cache.get(key("a"), m).orElseThrow();
            assertEquals(new Shape(2, 3), back.getShape());
            assertArrayEquals(new float[] {1.5f, -2.25f, 3e-8f, Float.MAX_VALUE, 0f, 7f}, back.toFloatArray());
            assertTrue(cache.get(key("b"), m).isEmpty());
            FeatureCache.Stats s = cache.stats();
            assertEquals(1, s.hits());
            assertEquals(1, s.misses());
            assertEquals(24, s.memoryBytes());
        }
    }

    @Test
    void memoryStaysWithinItsByteBound() {
        // 10 entries of 4 KB in a 16 KB cache: at most 4 stay, the newest among them
        try (NDManager m = NDManager.newBaseManager(); FeatureCache cache = FeatureCache.inMemory(16 * 1024)) {
            for (int i = 0; i < 10; i++) {
                cache.put(key("k" + i), m.full(new Shape(1024), (float) i));
            }
            FeatureCache.Stats s = cache.stats();
            assertTrue(s.memoryBytes() <= 16 * 1024, "memory " + s.memoryBytes());
            assertTrue(s.memoryEntries() >= 1 && s.memoryEntries() <= 4, "entries " + s.memoryEntries());
            assertEquals(9f, cache.get(key("k9"), m).orElseThrow().getFloat(0));
            assertFalse(cache.contains(key("k0")));
        }
    }

    @Test
    void shardsOnDiskServeALaterCacheAndAreTaggedWithTheFormat(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            try (FeatureCache cache = FeatureCache.open(dir, 0)) { // nothing stays in memory: reads must hit the disk
                cache.put(key("x"), m.arange(0f, 12f).reshape(3, 4));
                cache.put(key("y"), m.create(new long[] {5, 6}));
            }
            List<Path> shards;
            try (Stream<Path> l = Files.list(dir)) {
                shards = l.toList();
            }
            assertEquals(1, shards.size(), shards.toString());
            assertTrue(shards.get(0).getFileName().toString().matches("features-[0-9a-f]{16}\\.safetensors"));
            try (SafetensorsFile f = SafetensorsFile.open(shards.get(0))) {
                assertEquals(FeatureCache.FORMAT, f.metadata().get("format"));
                assertEquals(FeatureCache.VERSION, f.metadata().get("version"));
                assertEquals(java.util.Set.of(key("x"), key("y")), f.names());
            }
            try (FeatureCache later = FeatureCache.open(dir, 1 << 20)) {
                assertEquals(2, later.stats().diskEntries());
                assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
                        later.get(key("x"), m).orElseThrow().toFloatArray());
                assertArrayEquals(new long[] {5, 6}, later.get(key("y"), m).orElseThrow().toLongArray());
                assertEquals(2, later.stats().diskHits());
            }
        }
    }

    @Test
    void aForeignSafetensorsFileInTheFolderIsRefusedByName(@TempDir Path dir) throws Exception {
        Path foreign = dir.resolve("model.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            SafetensorsWriter.write(foreign, Map.of("w", m.ones(new Shape(2))), Map.of("format", "pt"));
        }
        FeatureCacheException e = assertThrows(FeatureCacheException.class, () -> FeatureCache.open(dir, 1024));
        assertTrue(e.getMessage().contains(foreign.toString()) && e.getMessage().contains("'pt'")
                && e.getMessage().contains(FeatureCache.FORMAT), e.getMessage());
        Files.writeString(foreign, "not a safetensors file");
        e = assertThrows(FeatureCacheException.class, () -> FeatureCache.open(dir, 1024));
        assertTrue(e.getMessage().contains(foreign.toString()), e.getMessage());
    }

    @Test
    void keysDependOnEveryPartAndItsBoundaries() {
        assertEquals(64, key("a").length());
        assertEquals(key("a"), key("a"));
        assertNotEquals(FeatureKey.builder().add("ab").add("c").build(), FeatureKey.builder().add("a").add("bc").build());
        assertThrows(FeatureCacheException.class, () -> FeatureCache.inMemory(-1));
    }
}
