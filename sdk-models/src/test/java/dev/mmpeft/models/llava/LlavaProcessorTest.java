package dev.mmpeft.models.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.ClipVisionConfig;
import dev.mmpeft.core.config.LlamaConfig;
import dev.mmpeft.core.config.LlavaConfig;
import dev.mmpeft.models.clip.ClipImageProcessor;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.processing.RgbImage;
import dev.mmpeft.models.processing.TextTokenizer;
import dev.mmpeft.models.processing.WordLevelTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LlavaProcessor} with a real word-level {@code tokenizer.json} whose {@code <image>} is an
 * added token: LLaVA-1.5's prompt, image tokens expanded to the feature count, padding sides,
 * labels; then the batches run through a random tiny {@link Llava}.
 */
class LlavaProcessorTest {
    // <unk>=0, <s>=1, </s>=2, the words 3..14, <pad>=15, <image>=16
    static final List<String> WORDS = List.of("user", ":", "assistant", "what", "color", "is", "the", "cat", "?", "red", "blue", "green");
    static final long BOS = 1;
    static final long EOS = 2;
    static final long PAD = 15;
    static final long IMAGE = 16;
    static final long USER = 3;
    static final long COLON = 4;
    static final long ASSISTANT = 5;

    @TempDir static Path dir;
    static LlavaConfig config;
    static Path red;
    static Path blue;

    @BeforeAll
    static void setUp() throws Exception {
        assertEquals(17, WordLevelTokenizer.write(dir, WORDS, WordLevelTokenizer.Family.LLAMA, true));
        config = LlavaConfig.builder()
                .visionConfig(ClipVisionConfig.builder().hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(2)
                        .imageSize(14).patchSize(7).build())
                .textConfig(LlamaConfig.builder().vocabSize(17).hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(2)
                        .padTokenId(15).build())
                .imageTokenId(16)
                .visionFeatureLayers(List.of(-1))
                .build();
        red = png("red.png", 200, 10, 10, 20, 17);
        blue = png("blue.png", 10, 10, 220, 14, 30);
    }

    static Path png(String name, int r, int g, int b, int w, int h) throws Exception {
        int[] rgb = new int[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            rgb[i * 3] = r;
            rgb[i * 3 + 1] = (g + i) % 256;
            rgb[i * 3 + 2] = b;
        }
        Path file = dir.resolve(name);
        ImageIO.write(RgbImage.of(w, h, rgb).toBufferedImage(), "png", file.toFile());
        return file;
    }

    static LlavaProcessor processor() {
        return LlavaProcessor.of(ClipImageProcessor.ofSize(14), TextTokenizer.load(dir, OptionalInt.empty()), config);
    }

    static Prompt prompt(String id, Path image, String question, String target) {
        var b = Prompt.builder().exampleId(id).instruction(question).input(question).addImages(image);
        if (target != null) {
            b.target(target);
        }
        return b.build();
    }

    @Test
    void thePromptIsLlava15sWithOneTokenPerFeature() {
        assertEquals("USER: <image>\nwhat color is the cat? ASSISTANT:", LlavaProcessor.prompt("what color is the cat?", 1));
        try (LlavaProcessor p = processor(); NDManager m = NDManager.newBaseManager()) {
            LlavaInputs in = p.generationInputs(List.of(prompt("a", red, "what color is the cat?", null), prompt("b", blue, "what color?", null)), m);
            long[] full = {BOS, USER, COLON, IMAGE, IMAGE, IMAGE, IMAGE, 6, 7, 8, 9, 10, 11, ASSISTANT, COLON};
            long[] shortRow = {PAD, PAD, PAD, BOS, USER, COLON, IMAGE, IMAGE, IMAGE, IMAGE, 6, 7, 11, ASSISTANT, COLON};
            assertEquals(new Shape(2, 15), in.inputIds().getShape());
            long[] ids = in.inputIds().toLongArray();
            assertArrayEquals(full, java.util.Arrays.copyOfRange(ids, 0, 15));
            assertArrayEquals(shortRow, java.util.Arrays.copyOfRange(ids, 15, 30), "left padding for generation");
            assertEquals(15 + 12, in.attentionMask().orElseThrow().sum().getLong());
            assertEquals(new Shape(2, 3, 14, 14), in.pixelValues().orElseThrow().getShape());

            LlavaInputs scoring = p.scoringInputs(List.of(prompt("a", red, "what color is the cat?", null), prompt("b", blue, "what color?", null)), m);
            assertEquals(PAD, scoring.inputIds().toLongArray()[29], "right padding for scoring");
        }
    }

    @Test
    void trainingLabelsCoverTheAnswerAndEosOnly() {
        try (LlavaProcessor p = processor(); NDManager m = NDManager.newBaseManager()) {
            LlavaInputs in = p.trainingInputs(List.of(prompt("a", red, "what color is the cat?", "red"), prompt("b", blue, "what color?", "blue green")), m);
            long[] ids = in.inputIds().toLongArray();
            long[] labels = in.labels().orElseThrow().toLongArray();
            int len = (int) in.inputIds().getShape().get(1);
            assertEquals(17, len);
            long[] row0 = {BOS, USER, COLON, IMAGE, IMAGE, IMAGE, IMAGE, 6, 7, 8, 9, 10, 11, ASSISTANT, COLON, 12, EOS};
            assertArrayEquals(row0, java.util.Arrays.copyOfRange(ids, 0, len));
            long[] labels0 = new long[len];
            java.util.Arrays.fill(labels0, -100);
            labels0[15] = 12;
            labels0[16] = EOS;
            assertArrayEquals(labels0, java.util.Arrays.copyOfRange(labels, 0, len));
            long[] labels1 = new long[len];
            java.util.Arrays.fill(labels1, -100);
            labels1[12] = 13;
            labels1[13] = 14;
            labels1[14] = EOS;
            assertArrayEquals(labels1, java.util.Arrays.copyOfRange(labels, len, 2 * len), "right padding, -100 on it");
            assertEquals(PAD, ids[2 * len - 1]);

            MmpeftException e = assertThrows(MmpeftException.class, () -> p.trainingInputs(List.of(prompt("c", red, "what?", null)), m));
            assertEquals("example 'c': no target text to train on", e.getMessage());
            Prompt twoPlaceholders = Prompt.builder().exampleId("d").instruction("").input("USER: <image> <image> what? ASSISTANT:")
                    .addImages(red).build();
            e = assertThrows(MmpeftException.class, () -> p.generationInputs(List.of(twoPlaceholders), m));
            assertEquals("example 'd': the prompt has 2 <image> placeholders for 1 images; expected one per image", e.getMessage());
        }
    }

    @Test
    void aTinyWrittenModelLoadsWithItsProcessorAndTrains(@TempDir Path tiny) throws Exception {
        LlavaConfig written = LlavaPresets.writeTiny(tiny, WORDS, 3, 0.2f);
        assertEquals(16, written.imageTokenId());
        assertEquals(4, written.imageFeatureCount());
        try (var model = dev.mmpeft.models.family.Models.load(tiny);
                LlavaProcessor p = LlavaProcessor.load(tiny, (LlavaConfig) model.config());
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(written, model.config());
            LlavaInputs in = p.trainingInputs(List.of(prompt("a", red, "what color is the cat?", "red")), m);
            var named = new java.util.LinkedHashMap<String, ai.djl.ndarray.NDArray>();
            named.put("pixel_values", in.pixelValues().orElseThrow());
            named.put("input_ids", in.inputIds());
            named.put("attention_mask", in.attentionMask().orElseThrow());
            named.put("labels", in.labels().orElseThrow());
            float loss = model.forward(dev.mmpeft.models.family.ModelInputs.of(named)).loss().orElseThrow().getFloat();
            // a random 17-token model: the loss is near ln(17) = 2.83
            assertEquals(Math.log(17), loss, 1.0);
        }
    }

    @Test
    void processedBatchesRunThroughTheModel() {
        try (Llava model = Llava.random(config, 7, 0.3f); LlavaProcessor p = processor(); NDManager m = NDManager.newBaseManager()) {
            List<Prompt> prompts = List.of(prompt("a", red, "what color is the cat?", "red"), prompt("b", blue, "what color?", "blue"));
            LlavaOutput out = model.forward(p.trainingInputs(prompts, m));
            float loss = out.loss().orElseThrow().getFloat();
            assertTrue(Float.isFinite(loss) && loss > 0, "loss " + loss);
            assertEquals(new Shape(2, 4, 16), out.imageFeatures().orElseThrow().getShape());

            GenerationResult g = model.generate(p.generationInputs(prompts, m), GenerationConfig.greedy(3));
            assertEquals(2, g.size());
            assertTrue(g.tokens(0).length >= 1 && g.tokens(0).length <= 3);

            List<long[]> candidates = p.candidateIds(List.of("red", "blue", "green"));
            assertArrayEquals(new long[] {BOS, 12}, candidates.get(0));
            CandidateScores s = model.scoreCandidates(p.scoringInputs(prompts, m), candidates);
            assertEquals(2, s.examples());
            assertEquals(3, s.candidates());
        }
    }
}
