package dev.mmpeft.models.processing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.core.config.QFormerConfig;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.core.config.VisionConfig;
import dev.mmpeft.core.testing.SharedFiles;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.instructblip.testing.TinyTokenizers;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batches for both language-model families, checked id by id against LAVIS's construction. */
class InstructBlipProcessorTest {
    private static InstructBlipConfig config(boolean t5, Integer imageToken, int vocab) {
        var b = InstructBlipConfig.builder()
                .visionConfig(VisionConfig.builder().hiddenSize(16).numAttentionHeads(2).imageSize(28).patchSize(14).build())
                .qformerConfig(QFormerConfig.builder().hiddenSize(16).numAttentionHeads(2).vocabSize(1124).build())
                .numQueryTokens(3)
                .textConfig(t5
                        ? T5Config.builder().vocabSize(vocab).dModel(16).dKv(4).numHeads(4).build()
                        : LlamaConfig.builder().vocabSize(vocab).hiddenSize(16).numAttentionHeads(4).build());
        if (imageToken != null) {
            b.imageTokenId(imageToken);
        }
        return b.build();
    }

    private static Path image(Path dir) throws Exception {
        Path p = dir.resolve("img.png");
        int[] rgb = new int[40 * 30 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (i * 37) % 256;
        }
        ImageIO.write(RgbImage.of(40, 30, rgb).toBufferedImage(), "png", p.toFile());
        return p;
    }

    private static Path modelDir(Path tmp, boolean t5, boolean imageToken) throws Exception {
        Path dir = tmp.resolve("model");
        if (t5) {
            TinyTokenizers.writeT5(dir, imageToken);
        } else {
            TinyTokenizers.writeLlama(dir, imageToken);
        }
        TinyTokenizers.writeQFormer(dir.resolve("qformer_tokenizer"), SharedFiles.get("checkpoints/tiny-bert-seqcls"));
        return dir;
    }

    private static long[][] rows(ai.djl.ndarray.NDArray a) {
        long[] flat = a.toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
        int n = (int) a.getShape().get(0);
        int len = (int) a.getShape().get(1);
        long[][] out = new long[n][len];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * len, out[i], 0, len);
        }
        return out;
    }

    @Test
    void t5TrainingBatchAsLavis(@TempDir Path tmp) throws Exception {
        Path dir = modelDir(tmp, true, false);
        Path img = image(tmp);
        List<Prompt> prompts = List.of(
                Prompt.builder().exampleId("a").addImages(img).instruction("what is in the image ?").input("what is in the image ?").target("a cat").build(),
                Prompt.builder().exampleId("b").addImages(img).instruction("color ?").input("color ?").target("red").build());
        try (InstructBlipProcessor p = InstructBlipProcessor.load(dir, config(true, null, 64));
                NDManager m = NDManager.newBaseManager()) {
            InstructBlipInputs in = p.trainingInputs(prompts, m);
            assertEquals(new Shape(2, 3, 28, 28), in.pixelValues().getShape());
            // T5 ids: what=3 is=4 in=5 the=6 image=7 ?=8 a=9 cat=10 red=12 color=23; </s>=1; pad=0
            assertArrayEquals(new long[] {3, 4, 5, 6, 7, 8, 1}, rows(in.inputIds())[0]);
            assertArrayEquals(new long[] {23, 8, 1, 0, 0, 0, 0}, rows(in.inputIds())[1]);
            assertArrayEquals(new long[] {1, 1, 1, 0, 0, 0, 0}, rows(in.attentionMask().orElseThrow())[1]);
            assertArrayEquals(new long[] {9, 10, 1}, rows(in.labels().orElseThrow())[0]);
            assertArrayEquals(new long[] {12, 1, -100}, rows(in.labels().orElseThrow())[1]);
            assertArrayEquals(new long[] {1, 1, 0}, rows(in.decoderAttentionMask().orElseThrow())[1]);
            // Q-Former: BERT ids with [CLS]=2 ... [SEP]=3, padded with 0
            long[][] q = rows(in.qformerInputIds());
            assertEquals(2, q[0][0]);
            long[] qmask = rows(in.qformerAttentionMask().orElseThrow())[1];
            int ones = (int) java.util.Arrays.stream(qmask).sum();
            assertTrue(ones < q[1].length, "the shorter instruction is padded");
            assertEquals(3, q[1][ones - 1]);
            assertEquals(0, q[1][q[1].length - 1]);
            assertEquals(0, qmask[q[1].length - 1]);
        }
    }

    @Test
    void llamaTrainingBatchAsLavisAndLeftPaddedGeneration(@TempDir Path tmp) throws Exception {
        Path dir = modelDir(tmp, false, false);
        Path img = image(tmp);
        List<Prompt> prompts = List.of(
                Prompt.builder().exampleId("a").addImages(img).instruction("q").input("what is it ?").target("a cat").build(),
                Prompt.builder().exampleId("b").addImages(img).instruction("q").input("color ?").target("red").build());
        // llama ids: <unk>=0 <s>=1 </s>=2, what=3 is=4 ... it=29 ?=8 a=9 cat=10 red=12 color=23; <pad>=44
        try (InstructBlipProcessor p = InstructBlipProcessor.load(dir, config(false, null, 64));
                NDManager m = NDManager.newBaseManager()) {
            InstructBlipInputs in = p.trainingInputs(prompts, m);
            assertArrayEquals(new long[] {1, 3, 4, 29, 8, 9, 10, 2}, rows(in.inputIds())[0]);
            assertArrayEquals(new long[] {-100, -100, -100, -100, -100, 9, 10, 2}, rows(in.labels().orElseThrow())[0]);
            assertArrayEquals(new long[] {1, 23, 8, 12, 2, 44, 44, 44}, rows(in.inputIds())[1]);
            assertArrayEquals(new long[] {-100, -100, -100, 12, 2, -100, -100, -100}, rows(in.labels().orElseThrow())[1]);
            assertArrayEquals(new long[] {1, 1, 1, 1, 1, 0, 0, 0}, rows(in.attentionMask().orElseThrow())[1]);

            InstructBlipInputs gen = p.generationInputs(prompts, m);
            assertArrayEquals(new long[] {44, 44, 1, 23, 8}, rows(gen.inputIds())[1]);
            assertArrayEquals(new long[] {0, 0, 1, 1, 1}, rows(gen.attentionMask().orElseThrow())[1]);
            assertTrue(gen.labels().isEmpty());

            List<long[]> cands = p.candidateIds(List.of("a cat", "red"));
            assertArrayEquals(new long[] {1, 9, 10}, cands.get(0));
            assertArrayEquals(new long[] {1, 12}, cands.get(1));
            InstructBlipInputs sc = p.scoringInputs(prompts, m);
            assertArrayEquals(new long[] {1, 23, 8, 44, 44}, rows(sc.inputIds())[1]);
            assertArrayEquals(new long[] {1, 1, 1, 0, 0}, rows(sc.attentionMask().orElseThrow())[1]);
        }
    }

    @Test
    void imageTokensArePrependedWhenTheConfigHasOne(@TempDir Path tmp) throws Exception {
        Path dir = modelDir(tmp, false, true);
        Path img = image(tmp);
        int imageToken = 45; // <pad>=44, <image>=45
        List<Prompt> prompts = List.of(Prompt.builder().exampleId("a").addImages(img).instruction("q").input("what is it ?").target("a").build());
        try (InstructBlipProcessor p = InstructBlipProcessor.load(dir, config(false, imageToken, 64));
                NDManager m = NDManager.newBaseManager()) {
            assertTrue(p.expandsImageTokens());
            InstructBlipInputs in = p.trainingInputs(prompts, m);
            assertArrayEquals(new long[] {45, 45, 45, 1, 3, 4, 29, 8, 9, 2}, rows(in.inputIds())[0]);
            assertArrayEquals(new long[] {-100, -100, -100, -100, -100, -100, -100, -100, 9, 2}, rows(in.labels().orElseThrow())[0]);
        }
    }

    @Test
    void truncationSidesAreLavis(@TempDir Path tmp) throws Exception {
        Path t5Dir = modelDir(tmp.resolve("t5"), true, false);
        Path llamaDir = modelDir(tmp.resolve("llama"), false, false);
        Path img = image(tmp);
        Prompt p = Prompt.builder().exampleId("a").addImages(img)
                .instruction("what is in the image ?").input("what is in the image ?").target("a red cat").build();
        try (NDManager m = NDManager.newBaseManager()) {
            InstructBlipConfig t5 = config(true, null, 64);
            try (InstructBlipProcessor proc = InstructBlipProcessor.of(BlipImageProcessor.ofSize(28),
                    TextTokenizer.load(t5Dir, java.util.OptionalInt.empty()),
                    TextTokenizer.load(t5Dir.resolve("qformer_tokenizer"), java.util.OptionalInt.of(0)), t5, 4, 3)) {
                InstructBlipInputs in = proc.trainingInputs(List.of(p), m);
                // prompt kept from the end (truncation_side left), EOS kept: "image ? </s>" after "the"
                assertArrayEquals(new long[] {7, 8, 1}, java.util.Arrays.copyOfRange(rows(in.inputIds())[0], 1, 4));
                assertEquals(4, rows(in.inputIds())[0].length);
                // target kept from the start (right), EOS kept by the tokenizer's template: "a red </s>"
                assertArrayEquals(new long[] {9, 12, 1}, rows(in.labels().orElseThrow())[0]);
                // Q-Former: [CLS] + the last two word pieces + [SEP]
                long[] q = rows(in.qformerInputIds())[0];
                assertEquals(4, q.length);
                assertEquals(2, q[0]);
                assertEquals(3, q[3]);
            }
            InstructBlipConfig llama = config(false, null, 64);
            try (InstructBlipProcessor proc = InstructBlipProcessor.of(BlipImageProcessor.ofSize(28),
                    TextTokenizer.load(llamaDir, java.util.OptionalInt.empty()),
                    TextTokenizer.load(llamaDir.resolve("qformer_tokenizer"), java.util.OptionalInt.of(0)), llama, 4, 3)) {
                InstructBlipInputs in = proc.trainingInputs(List.of(p), m);
                // <s> + last three prompt tokens, then target truncated to 3 with its BOS: "a red" (EOS lost, as LAVIS)
                assertArrayEquals(new long[] {1, 6, 7, 8, 9, 12}, rows(in.inputIds())[0]);
                assertArrayEquals(new long[] {-100, -100, -100, -100, 9, 12}, rows(in.labels().orElseThrow())[0]);
            }
        }
    }

    @Test
    void badPromptsAreNamed(@TempDir Path tmp) throws Exception {
        Path dir = modelDir(tmp, true, false);
        try (InstructBlipProcessor p = InstructBlipProcessor.load(dir, config(true, null, 64));
                NDManager m = NDManager.newBaseManager()) {
            Prompt noImage = Prompt.builder().exampleId("ex-7").instruction("q").input("q").target("a").build();
            MmpeftException e = assertThrows(MmpeftException.class, () -> p.trainingInputs(List.of(noImage), m));
            assertTrue(e.getMessage().contains("ex-7"), e.getMessage());
            Prompt noTarget = Prompt.builder().exampleId("ex-8").addImages(image(tmp)).instruction("q").input("q").build();
            e = assertThrows(MmpeftException.class, () -> p.trainingInputs(List.of(noTarget), m));
            assertTrue(e.getMessage().contains("ex-8") && e.getMessage().contains("target"), e.getMessage());
        }
        MmpeftException e = assertThrows(MmpeftException.class, () -> InstructBlipProcessor.load(tmp.resolve("nowhere"), config(true, null, 64)));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }
}
