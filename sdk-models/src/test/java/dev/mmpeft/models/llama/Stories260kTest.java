package dev.mmpeft.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.testing.SharedFiles;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.generation.Generator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Karpathy's trained stories260K (llama2.c), converted to Hugging Face names: greedy decoding of
 * 200 tokens from BOS must reproduce llama2.c's published token ids and text exactly.
 */
class Stories260kTest {
    private static Path dir;
    private static long[] expectedIds;
    private static String expectedText;

    @BeforeAll
    static void read() throws IOException {
        dir = SharedFiles.get("checkpoints/stories260K");
        expectedIds = Arrays.stream(Files.readString(dir.resolve("expected_token_ids_greedy_from_BOS.txt")).trim().split(","))
                .mapToLong(Long::parseLong)
                .toArray();
        expectedText = Files.readString(dir.resolve("expected_greedy_200_from_BOS.txt"), StandardCharsets.UTF_8);
    }

    private static long[] greedy(LlamaModel model, boolean useCache) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray bos = m.create(new long[][] {{Llama2cVocabulary.BOS}});
            NDArray mask = m.create(new long[][] {{1}});
            GenerationResult r = Generator.generateFromIds(
                    model, bos, mask, GenerationConfig.builder().maxNewTokens(200).useCache(useCache).build());
            return r.sequences()[0];
        }
    }

    @Test
    void greedyFromBosReproducesLlama2c() {
        try (LlamaModel model = LlamaModel.load(dir)) {
            assertEquals(201, expectedIds.length);
            long[] ids = greedy(model, true);
            assertArrayEquals(expectedIds, ids, "BOS + 200 greedy tokens");
            Llama2cVocabulary vocab = Llama2cVocabulary.read(dir.resolve("tok512.bin"), model.vocabSize());
            String text = vocab.decode(Arrays.stream(ids).mapToInt(Math::toIntExact).toArray());
            assertEquals(expectedText, text);
        }
    }

    @Test
    void greedyWithoutCacheIsTheSame() {
        try (LlamaModel model = LlamaModel.load(dir)) {
            long[] withCache = greedy(model, true);
            long[] withoutCache = greedy(model, false);
            assertArrayEquals(withCache, withoutCache);
        }
    }

    @Test
    void vocabularyDecodesLikeRunC() {
        Llama2cVocabulary vocab = Llama2cVocabulary.read(dir.resolve("tok512.bin"), 512);
        assertEquals(7, vocab.maxTokenLength());
        assertEquals(" Once", vocab.piece(403));
        assertEquals("Once", new String(vocab.decode(1, 403), StandardCharsets.UTF_8), "leading space dropped after BOS");
        assertEquals(" Once", new String(vocab.decode(5, 403), StandardCharsets.UTF_8));
        assertArrayEquals(new byte[] {'\n'}, vocab.decode(261, 13), "<0x0A> is a raw byte");
        assertEquals("Once\n Once", vocab.decode(new int[] {1, 403, 13, 403}));
        assertEquals("Once", vocab.decode(new int[] {1, 403, 4}), "an unprintable lone byte (<0x01>) is not printed");
    }
}
