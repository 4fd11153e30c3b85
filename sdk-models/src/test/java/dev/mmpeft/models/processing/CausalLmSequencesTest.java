package dev.mmpeft.models.processing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.LlavaConfig;
import dev.mmpeft.models.lavin.LavinFixture;
import dev.mmpeft.models.lavin.LavinInputs;
import dev.mmpeft.models.lavin.LavinProcessor;
import dev.mmpeft.models.llava.LlavaInputs;
import dev.mmpeft.models.llava.LlavaPresets;
import dev.mmpeft.models.llava.LlavaProcessor;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decoder-only training rows: labels on the target and EOS only, right padding, and the row
 * lengths the LLaVA and LaVIN processors report to length-aware batching equal to the attention
 * mask of the batches they build.
 */
class CausalLmSequencesTest {
    @Test
    void rowsAreLabelledOnTheTargetAndEosOnly() {
        CausalLmSequences rows = CausalLmSequences.of(List.of(new long[] {1, 5, 6}, new long[] {1, 7}),
                List.of(new long[] {8}, new long[] {9, 10}), 2, 0);
        assertArrayEquals(new long[][] {{1, 5, 6, 8, 2}, {1, 7, 9, 10, 2}}, rows.padded().ids());
        assertArrayEquals(new long[][] {{-100, -100, -100, 8, 2}, {-100, -100, 9, 10, 2}}, rows.labels());
        CausalLmSequences uneven = CausalLmSequences.of(List.of(new long[] {1, 5}, new long[] {1, 7, 7, 7}),
                List.of(new long[] {8}, new long[] {9}), 2, 0);
        assertArrayEquals(new long[][] {{1, 5, 8, 2, 0, 0}, {1, 7, 7, 7, 9, 2}}, uneven.padded().ids());
        assertArrayEquals(new long[][] {{-100, -100, 8, 2, -100, -100}, {-100, -100, -100, -100, 9, 2}}, uneven.labels());
        assertEquals(4, CausalLmSequences.length(new long[] {1, 5}, new long[] {8}));
    }

    @Test
    void llavaAndLavinReportTheLengthsTheyPad(@TempDir Path tmp) throws Exception {
        LavinFixture lavin = new LavinFixture(tmp.resolve("lavin"), 3);
        List<Prompt> prompts = lavin.prompts();
        try (LavinProcessor processor = LavinProcessor.load(lavin.dir, lavin.config); NDManager m = NDManager.newBaseManager()) {
            LavinInputs in = processor.trainingInputs(prompts, m);
            long[] lengths = prompts.stream().mapToLong(processor::trainingLength).toArray();
            assertArrayEquals(lengths, in.attentionMask().orElseThrow().sum(new int[] {1}).toLongArray());
        }
        Path llavaDir = tmp.resolve("llava");
        LlavaConfig config = LlavaPresets.writeTiny(llavaDir, LavinFixture.WORDS, 4, 0.3f);
        try (LlavaProcessor processor = LlavaProcessor.load(llavaDir, config); NDManager m = NDManager.newBaseManager()) {
            LlavaInputs in = processor.trainingInputs(prompts, m);
            long[] lengths = prompts.stream().mapToLong(processor::trainingLength).toArray();
            assertArrayEquals(lengths, in.attentionMask().orElseThrow().sum(new int[] {1}).toLongArray());
        }
    }
}
