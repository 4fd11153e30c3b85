package dev.mmpeft.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.testing.SharedFiles;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointSmokeTest {
    @Test
    void readsStories260kAndRoundTrips(@TempDir Path tmp) throws Exception {
        try (Checkpoint ckpt = Checkpoint.open(SharedFiles.get("checkpoints/stories260K"));
                NDManager manager = NDManager.newBaseManager()) {
            TensorInfo emb = ckpt.info("model.embed_tokens.weight");
            assertArrayEquals(new long[] {512, 64}, emb.shape());
            NDArray e = ckpt.load("model.embed_tokens.weight", manager);
            Path out = tmp.resolve("copy.safetensors");
            SafetensorsWriter.write(out, Map.of("model.embed_tokens.weight", e));
            try (Checkpoint back = Checkpoint.open(out)) {
                NDArray e2 = back.load("model.embed_tokens.weight", manager);
                assertArrayEquals(e.toFloatArray(), e2.toFloatArray());
                assertEquals(0, (back.files().get(0).fileSize() - 8 - e.size() * 4) % 8);
            }
        }
    }
}
