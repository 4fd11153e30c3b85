package dev.mmpeft.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real checkpoints in ../shared/checkpoints: every file opens and every tensor loads. */
class SharedCheckpointsTest {

    private static List<Path> safetensorsFiles() throws Exception {
        try (Stream<Path> walk = Files.walk(SharedFiles.get("checkpoints"))) {
            return walk.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    @Test
    void everySharedFileLoadsEveryTensor(@TempDir Path tmp) throws Exception {
        List<Path> files = safetensorsFiles();
        assertTrue(files.size() >= 2, "expected the shared checkpoints, found " + files);
        int tensors = 0;
        for (Path file : files) {
            try (SafetensorsFile f = SafetensorsFile.open(file); NDManager manager = NDManager.newBaseManager()) {
                assertFalse(f.names().isEmpty(), file.toString());
                Map<String, TensorData> copy = new LinkedHashMap<>();
                for (String name : f.names()) {
                    TensorInfo info = f.info(name);
                    NDArray a = f.load(name, manager);
                    assertArrayEquals(info.shape(), a.getShape().getShape(), name);
                    assertEquals(info.dtype().loadedAs(), a.getDataType(), name);
                    if (!info.dtype().isWidened()) {
                        // the array holds exactly the file's bytes
                        assertArrayEquals(Crafted.remaining(f.rawBytes(name)), Crafted.remaining(a.toByteBuffer()), name);
                    }
                    copy.put(name, f.data(name));
                    tensors++;
                }
                // a raw copy holds the same tensors, byte for byte, and writing it again is stable
                Path first = tmp.resolve("first-" + file.getParent().getFileName() + ".safetensors");
                Path second = tmp.resolve("second-" + file.getParent().getFileName() + ".safetensors");
                SafetensorsWriter.writeData(first, copy, f.metadata());
                try (SafetensorsFile back = SafetensorsFile.open(first)) {
                    assertEquals(f.metadata(), back.metadata());
                    assertEquals(f.names(), new java.util.HashSet<>(back.names()));
                    Map<String, TensorData> again = new LinkedHashMap<>();
                    for (String name : f.names()) {
                        assertEquals(f.info(name).dtype(), back.info(name).dtype());
                        assertArrayEquals(Crafted.remaining(f.rawBytes(name)), Crafted.remaining(back.rawBytes(name)), name);
                        again.put(name, back.data(name));
                    }
                    SafetensorsWriter.writeData(second, again, back.metadata());
                }
                assertEquals(-1, Files.mismatch(first, second));
            }
        }
        assertTrue(tensors > 100, "loaded " + tensors + " tensors");
    }

    @Test
    void sharedCheckpointDirectoriesOpenWithTheirExactSizes() throws Exception {
        try (Checkpoint stories = Checkpoint.open(SharedFiles.get("checkpoints/stories260K"));
                NDManager manager = NDManager.newBaseManager()) {
            assertEquals(48, stories.names().size());
            // 5 layers x 45,440 + embeddings 32,768 + final norm 64 + lm_head 32,768 (stored, though tied)
            assertEquals(292_800, stories.parameterCount());
            assertArrayEquals(new long[] {512, 64}, stories.info("model.embed_tokens.weight").shape());
            assertArrayEquals(new long[] {32, 64}, stories.info("model.layers.0.self_attn.k_proj.weight").shape());
            assertEquals("pt", stories.metadata().get("format"));
            NDArray norm = stories.load("model.norm.weight", manager);
            assertEquals(64, norm.size());
            assertTrue(norm.isInfinite().logicalNot().all().getBoolean(), "finite weights");
        }
        try (Checkpoint bert = Checkpoint.open(SharedFiles.get("checkpoints/tiny-bert-seqcls"))) {
            assertEquals(88_507, bert.parameterCount());
            assertEquals(DType.I64, bert.info("bert.embeddings.position_ids").dtype());
            assertArrayEquals(new long[] {2, 32}, bert.info("classifier.weight").shape());
        }
    }
}
