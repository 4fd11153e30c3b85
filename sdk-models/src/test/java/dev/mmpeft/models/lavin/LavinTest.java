package dev.mmpeft.models.lavin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.Configs;
import dev.mmpeft.core.config.LavinConfig;
import dev.mmpeft.core.testing.TestResources;
import dev.mmpeft.models.family.ModelInputs;
import dev.mmpeft.models.family.ModelOutputs;
import dev.mmpeft.models.family.Models;
import dev.mmpeft.models.family.MultimodalModel;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.nn.Losses;
import dev.mmpeft.models.nn.WeightMismatchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The LaVIN family: structure and counts, the isolated modality token, mixed batches, generation, scoring, bad input. */
class LavinTest {
    @TempDir static Path dir;
    static LavinFixture fx;

    @BeforeAll
    static void setUp() throws Exception {
        fx = new LavinFixture(dir, 11);
    }

    @Test
    void lavin7bStructureCountsEachPart() {
        LavinConfig config = Configs.read(TestResources.hfConfig("lavin-7b"), LavinConfig.class);
        MultimodalModel model = Models.fromConfig(TestResources.hfConfig("lavin-7b"));
        assertEquals("lavin", model.family());
        Map<String, Long> parts = model.parameterCounts();
        // CLIP ViT-L/14 at 224 px: embeddings 866,304 + 24 layers x 12,596,224 + pre/post norms 4,096
        assertEquals(303_179_776L, parts.get("vision_tower"));
        // 1024 x 128 + 128 + 128 x 4096 + 4096
        assertEquals(659_584L, parts.get("adapter_proj"));
        assertEquals(8_192L, parts.get("adapter_modality_embedding"));
        assertEquals(6_738_415_616L, parts.get("language_model"));
        assertEquals(6, config.imageFeatureCount());
        assertEquals(java.util.Set.of("adapter_proj"), model.modulesOf(Component.parse("connector")));
        assertEquals(24 * 4, model.modulesOf(Component.VISION_ATTN).size());
        assertEquals(32 * 3, model.modulesOf(Component.LLM_FFN).size());
        assertTrue(model.modulesOf(Component.QFORMER_ALL).isEmpty());
    }

    @Test
    void theModalityTokenIsInvisibleToTheText() throws Exception {
        try (Lavin model = Lavin.load(fx.dir);
                LavinProcessor processor = LavinProcessor.load(fx.dir, model.config());
                NDManager m = NDManager.newBaseManager()) {
            List<Prompt> texts = List.of(fx.prompts().get(1), fx.prompts().get(3));
            LavinInputs in = processor.trainingInputs(texts, m);
            NDArray logits = model.forward(in).logits();
            // the plain LLaMA on the same tokens, without the modality token (positions from 0 instead of 1)
            NDArray embeds = model.languageModel().embedTokens(in.inputIds());
            NDArray plain;
            model.languageModel().model().isolateLeadingPositions(0);
            try {
                plain = model.languageModel().forward(embeds, in.attentionMask().orElseThrow(), null, null, null).logits();
            } finally {
                model.languageModel().model().isolateLeadingPositions(1);
            }
            double diff = maxAbsDiff(logits, plain, in.attentionMask().orElseThrow());
            // equal up to rounding: the rotations are those of positions shifted by one (logits of size ~10 here)
            assertTrue(diff < 1e-4, "text logits differ from the LLaMA's by " + diff);

            // another modality embedding changes nothing at all: nobody attends to position 0
            NDArray table = model.modalityEmbedding().weight().getArray();
            NDArray before = table.duplicate();
            table.muli(7f).addi(3f);
            try {
                assertArrayEquals(logits.toFloatArray(), model.forward(in).logits().toFloatArray());
            } finally {
                table.set(before.toFloatArray());
            }
        }
    }

    @Test
    void imageFeaturesAreTheClsTokensOfEveryIntervalthLayerThroughTheVisualAdapter() throws Exception {
        try (Lavin model = Lavin.load(fx.dir);
                LavinProcessor processor = LavinProcessor.load(fx.dir, model.config());
                NDManager m = NDManager.newBaseManager()) {
            NDArray pixels = processor.trainingInputs(List.of(fx.prompts().get(0), fx.prompts().get(2)), m).pixelValues().orElseThrow();
            NDArray features = model.imageFeatures(pixels);
            assertEquals(new ai.djl.ndarray.types.Shape(2, 2, 16), features.getShape());
            Map<Integer, NDArray> states = model.visionTower().visionModel().hiddenStates(pixels, List.of(2, 4));
            for (int k = 0; k < 2; k++) {
                NDArray cls = states.get(2 * (k + 1)).get(":, 0, :");
                NDArray a = cls.matMul(model.visualAdapter().convA().weight().getArray().transpose())
                        .add(model.visualAdapter().convA().bias().getArray());
                NDArray silu = a.mul(a.neg().exp().add(1f).pow(-1f));
                NDArray expected = silu.matMul(model.visualAdapter().convB().weight().getArray().transpose())
                        .add(model.visualAdapter().convB().bias().getArray());
                assertArrayEquals(expected.toFloatArray(), features.get(":, " + k + ", :").toFloatArray(), 1e-5f);
            }
        }
    }

    @Test
    void aMixedBatchGivesEveryRowTheLogitsItHasAlone() throws Exception {
        try (Lavin model = Lavin.load(fx.dir);
                LavinProcessor processor = LavinProcessor.load(fx.dir, model.config());
                NDManager m = NDManager.newBaseManager()) {
            List<Prompt> prompts = fx.prompts();
            LavinInputs batch = processor.trainingInputs(prompts, m);
            assertEquals(2, batch.pixelValues().orElseThrow().getShape().get(0), "images of the image rows only");
            LavinOutput all = model.forward(batch);
            for (int i = 0; i < prompts.size(); i++) {
                LavinInputs alone = processor.trainingInputs(List.of(prompts.get(i)), m);
                assertEquals(prompts.get(i).images().isEmpty(), alone.pixelValues().isEmpty(), "no image encoder for a text-only row");
                LavinOutput one = model.forward(alone);
                int len = (int) alone.inputIds().getShape().get(1);
                NDArray rowLogits = all.logits().get(i + ":" + (i + 1) + ", 0:" + len + ", :");
                assertTrue(maxAbsDiff(rowLogits, one.logits(), alone.attentionMask().orElseThrow()) < 1e-5, "row " + i);
            }
            long[] modalities = model.modalities(batch.inputIds());
            assertArrayEquals(new long[] {Lavin.IMAGE, Lavin.TEXT_ONLY, Lavin.IMAGE, Lavin.TEXT_ONLY}, modalities);
        }
    }

    @Test
    void generationWithACacheEqualsGenerationWithoutAndPaddingSideDoesNotMatter() throws Exception {
        try (Lavin model = Lavin.load(fx.dir);
                LavinProcessor processor = LavinProcessor.load(fx.dir, model.config());
                NDManager m = NDManager.newBaseManager()) {
            List<Prompt> prompts = fx.prompts();
            LavinInputs left = processor.generationInputs(prompts, m);
            LavinInputs right = processor.scoringInputs(prompts, m);
            for (GenerationConfig g : List.of(GenerationConfig.greedy(6), GenerationConfig.beams(3, 5))) {
                GenerationResult cached = model.generate(left, g);
                GenerationResult uncached = model.generate(left, g.toBuilder().useCache(false).build());
                GenerationResult fromRight = model.generate(right, g);
                for (int i = 0; i < prompts.size(); i++) {
                    assertArrayEquals(uncached.tokens(i), cached.tokens(i), "row " + i + " " + g);
                    assertArrayEquals(cached.tokens(i), fromRight.tokens(i), "row " + i + " " + g);
                }
            }
        }
    }

    @Test
    void candidateScoresAreTheForwardLossOfEachCandidate() throws Exception {
        try (Lavin model = Lavin.load(fx.dir);
                LavinProcessor processor = LavinProcessor.load(fx.dir, model.config());
                NDManager m = NDManager.newBaseManager()) {
            List<Prompt> prompts = fx.prompts().subList(0, 2);
            List<String> candidates = prompts.get(0).candidates();
            CandidateScores scores = model.scoreCandidates(processor.scoringInputs(prompts, m), processor.candidateIds(candidates));
            int width = processor.candidateIds(candidates).stream().mapToInt(c -> c.length).max().orElseThrow();
            int promptLength = (int) processor.scoringInputs(prompts, m).inputIds().getShape().get(1);
            for (int b = 0; b < 2; b++) {
                for (int c = 0; c < candidates.size(); c++) {
                    Prompt p = prompts.get(b).toBuilder().target(candidates.get(c)).build();
                    LavinInputs in = processor.trainingInputs(List.of(p), m);
                    LavinOutput out = model.forward(in);
                    // labelled: the candidate's tokens and EOS; scoring labels the candidate's tokens only
                    NDArray labels = in.labels().orElseThrow();
                    long[] l = labels.toLongArray();
                    l[l.length - 1] = Losses.IGNORE_INDEX;
                    NDArray tokens = Losses.tokenCrossEntropy(out.logits().get(":, :-1, :"),
                            m.create(l, labels.getShape()).get(":, 1:"));
                    float expected = tokens.sum().getFloat() / (promptLength + width - 2);
                    assertEquals(expected, scores.loss(b, c), 1e-4, "example " + b + " candidate " + c);
                }
            }
        }
    }

    @Test
    void saveAndLoadGiveTheSameModelAndTheFamilyRunsIt(@TempDir Path out) throws Exception {
        try (Lavin model = Lavin.load(fx.dir);
                LavinProcessor processor = LavinProcessor.load(fx.dir, model.config());
                NDManager m = NDManager.newBaseManager()) {
            model.save(out);
            LavinInputs in = processor.trainingInputs(fx.prompts(), m);
            try (MultimodalModel again = Models.load(out)) {
                Map<String, NDArray> named = new LinkedHashMap<>();
                named.put("pixel_values", in.pixelValues().orElseThrow());
                named.put("input_ids", in.inputIds().toType(DataType.INT32, false));
                named.put("attention_mask", in.attentionMask().orElseThrow());
                named.put("labels", in.labels().orElseThrow());
                ModelOutputs o = again.forward(ModelInputs.of(named));
                assertEquals(List.of("logits", "loss", "image_hidden_states"), List.copyOf(o.tensors().keySet()));
                LavinOutput direct = model.forward(in);
                assertArrayEquals(direct.logits().toFloatArray(), o.logits().toFloatArray());
                assertEquals(direct.loss().orElseThrow().getFloat(), o.loss().orElseThrow().getFloat());
            }
        }
    }

    @Test
    void badInputIsNamed(@TempDir Path broken) throws Exception {
        try (Lavin model = Lavin.load(fx.dir);
                LavinProcessor processor = LavinProcessor.load(fx.dir, model.config());
                NDManager m = NDManager.newBaseManager()) {
            LavinInputs in = processor.trainingInputs(fx.prompts(), m);
            LavinInputs oneImage = LavinInputs.builder().from(in).pixelValues(in.pixelValues().orElseThrow().get("0:1")).build();
            MmpeftException e = assertThrows(MmpeftException.class, () -> model.forward(oneImage));
            assertEquals("input_ids: image tokens and visual features do not match: 4 image tokens (id " + fx.config.imageTokenId()
                    + "), 2 features (1 images x 2 visual tokens each); expected one token per visual feature", e.getMessage());
            Prompt two = fx.prompts().get(0).toBuilder().addImages(fx.blue).build();
            e = assertThrows(MmpeftException.class, () -> processor.trainingInputs(List.of(two), m));
            assertEquals("example 'img': 2 images; LaVIN takes one image per example", e.getMessage());
        }
        // a checkpoint whose visual adapter has another width than its config says
        Files.createDirectories(broken);
        for (String f : new String[] {"model.safetensors", "tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(fx.dir.resolve(f), broken.resolve(f));
        }
        Configs.write(LavinConfig.builder().from(fx.config).hiddenProj(6).build(), broken);
        WeightMismatchException w = assertThrows(WeightMismatchException.class, () -> Lavin.load(broken));
        assertTrue(w.getMessage().startsWith(broken + ": checkpoint does not fit the model"), w.getMessage());
        assertTrue(w.getMessage().contains("adapter_proj.conv_A.weight"), w.getMessage());
    }

    /** The largest difference over positions the mask keeps. */
    static double maxAbsDiff(NDArray a, NDArray b, NDArray mask) {
        assertEquals(a.getShape(), b.getShape());
        long[] shape = a.getShape().getShape();
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        long[] keep = mask.toLongArray();
        int vocab = (int) shape[2];
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            if (keep[i / vocab] != 0) {
                max = Math.max(max, Math.abs(x[i] - y[i]));
            }
        }
        return max;
    }
}
