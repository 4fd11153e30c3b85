package dev.mmpeft.peft.mmadapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.models.clip.ClipAttention;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.lavin.Lavin;
import dev.mmpeft.models.lavin.LavinFixture;
import dev.mmpeft.models.lavin.LavinInputs;
import dev.mmpeft.models.lavin.LavinProcessor;
import dev.mmpeft.models.nn.Losses;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.PeftModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LaVIN's MM-Adapter on a tiny random LaVIN: zero-initialised adapters are the identity, the
 * routers read what the documentation says (checked against plain-Java arithmetic), mixed batches
 * give each row its own loss, generation with a cache equals generation without, files round-trip.
 */
class MmAdapterTest {
    @TempDir static Path dir;
    static LavinFixture fx;

    @BeforeAll
    static void setUp() throws Exception {
        fx = new LavinFixture(dir, 23);
    }

    @Test
    void zeroInitialisedAdaptersLeaveTheBackbonesOutputs() throws Exception {
        try (Lavin base = Lavin.load(fx.dir);
                LavinProcessor processor = LavinProcessor.load(fx.dir, base.config());
                NDManager m = NDManager.newBaseManager();
                PeftModel<Lavin> peft = Peft.mmAdapter().seed(3).on(Adaptables.lavin(base, processor, "tiny-lavin"))) {
            LavinInputs in = processor.trainingInputs(fx.prompts(), m);
            float[] backbone = base.forward(in).logits().toFloatArray();
            float[] adapted = peft.model().forward(in).logits().toFloatArray();
            assertEquals(0.0, maxAbsDiff(backbone, adapted), 1e-6);
            // the adapters are live: 2 LLaMA + 4 CLIP sub-layers, non-zero down-projections and routers
            assertEquals(6, peft.targetedModules("default").size());
            randomiseUpProjections(peft, 5);
            float[] moved = peft.model().forward(in).logits().toFloatArray();
            assertTrue(maxAbsDiff(backbone, moved) > 1e-3, "non-zero up-projections change the outputs");
            try (var off = peft.disableAdapters()) {
                assertEquals(0.0, maxAbsDiff(backbone, peft.model().forward(in).logits().toFloatArray()), 1e-6);
            }
            PeftException e = assertThrows(PeftException.class, peft::merge);
            assertEquals("cannot merge: mm-adapter on 'vision_tower.vision_model.encoder.layers.0.self_attn' does not fold into the"
                    + " base weights", e.getMessage());
        }
    }

    @Test
    void aMixedTrainingBatchGivesEveryRowTheLossItHasAlone() throws Exception {
        try (Lavin base = Lavin.load(fx.dir);
                LavinProcessor processor = LavinProcessor.load(fx.dir, base.config());
                NDManager m = NDManager.newBaseManager();
                PeftModel<Lavin> peft = Peft.mmAdapter().dropout(0).on(Adaptables.lavin(base, processor, "tiny-lavin"))) {
            randomiseUpProjections(peft, 7);
            peft.setTraining(true);
            List<Prompt> prompts = fx.prompts();
            LavinInputs batch = processor.trainingInputs(prompts, m);
            float[] rows = rowLosses(peft.model().forward(batch).logits(), batch.labels().orElseThrow());
            for (int i = 0; i < prompts.size(); i++) {
                LavinInputs alone = processor.trainingInputs(List.of(prompts.get(i)), m);
                float own = rowLosses(peft.model().forward(alone).logits(), alone.labels().orElseThrow())[0];
                assertEquals(own, rows[i], 1e-5, "row " + i + " (" + (prompts.get(i).images().isEmpty() ? "text-only" : "image") + ")");
            }
            // and the batch loss the trainer sees is the mean over every labelled token of every row
            NDArray labels = batch.labels().orElseThrow();
            NDArray tokens = Losses.tokenCrossEntropy(peft.model().forward(batch).logits().get(":, :-1, :"), labels.get(":, 1:"));
            long counted = java.util.Arrays.stream(labels.get(":, 1:").toLongArray()).filter(l -> l != Losses.IGNORE_INDEX).count();
            assertEquals(tokens.sum().getFloat() / counted, peft.loss(prompts, m).getFloat(), 1e-5);
        }
    }

    @Test
    void languageRoutersReadTheRowsModalityTokenAndCacheItForDecoding() throws Exception {
        try (Lavin base = Lavin.load(fx.dir);
                LavinProcessor processor = LavinProcessor.load(fx.dir, base.config());
                NDManager m = NDManager.newBaseManager();
                PeftModel<Lavin> peft = Peft.mmAdapter().on(Adaptables.lavin(base, processor, "tiny-lavin"))) {
            randomiseUpProjections(peft, 9);
            Lavin twin = peft.model();
            LavinInputs in = processor.generationInputs(fx.prompts(), m);
            twin.forward(in);
            MmAdapterLayer.Slot first = slot(twin, "language_model.model.layers.0.self_attn");
            float[] w = first.lastModalityWeights();
            // layer 0 reads RMSNorm(modality embedding row): softmax((R t + b) / tau), by hand
            float[] table = twin.modalityEmbedding().weight().getArray().toFloatArray();
            float[] gamma = twin.languageModel().model().layers().get(0).namedParameters().get("input_layernorm.weight").getArray().toFloatArray();
            float[] r = first.router.weight().getArray().toFloatArray();
            float[] rb = first.router.bias().getArray().toFloatArray();
            double eps = fx.config.textConfig().rmsNormEps();
            long[] modalities = {Lavin.IMAGE, Lavin.TEXT_ONLY, Lavin.IMAGE, Lavin.TEXT_ONLY};
            int d = 16;
            for (int row = 0; row < 4; row++) {
                int mod = (int) modalities[row];
                double ms = 0;
                for (int j = 0; j < d; j++) {
                    ms += table[mod * d + j] * table[mod * d + j];
                }
                double inv = 1 / Math.sqrt(ms / d + eps);
                double[] logit = new double[2];
                for (int k = 0; k < 2; k++) {
                    logit[k] = rb[k];
                    for (int j = 0; j < d; j++) {
                        logit[k] += r[k * d + j] * table[mod * d + j] * inv * gamma[j];
                    }
                    logit[k] /= fx.config.routerTemperature();
                }
                double z = Math.exp(logit[0]) + Math.exp(logit[1]);
                assertEquals(Math.exp(logit[0]) / z, w[row * 2], 1e-5, "row " + row);
                assertEquals(Math.exp(logit[1]) / z, w[row * 2 + 1], 1e-5, "row " + row);
            }
            // the second layer: rows of one modality share weights whatever their text
            float[] second = slot(twin, "language_model.model.layers.1.self_attn").lastModalityWeights();
            assertArrayEquals(new float[] {second[0], second[1]}, new float[] {second[4], second[5]}, 1e-6f);
            assertArrayEquals(new float[] {second[2], second[3]}, new float[] {second[6], second[7]}, 1e-6f);
            assertNotEquals(second[0], second[2]);

            for (GenerationConfig g : List.of(GenerationConfig.greedy(6), GenerationConfig.beams(3, 5))) {
                GenerationResult cached = twin.generate(in, g);
                GenerationResult uncached = twin.generate(in, g.toBuilder().useCache(false).build());
                for (int i = 0; i < 4; i++) {
                    assertArrayEquals(uncached.tokens(i), cached.tokens(i), "row " + i + " " + g);
                }
            }
        }
    }

    /**
     * The image encoder's routers: each token by itself. LaVIN's released code reads its
     * sequence-first ViT with {@code x[:, 0]}, i.e. position {@code l} of the first image routes
     * position {@code l} of every image; for the first image (and a batch of one) that is exactly
     * per-token routing, for the others it is not, and we do not follow it there.
     */
    @Test
    void visionRoutersRouteEachTokenByItselfAsLavinDoesForItsFirstImage() throws Exception {
        try (Lavin base = Lavin.load(fx.dir);
                NDManager m = NDManager.newBaseManager();
                PeftModel<Lavin> peft = Peft.mmAdapter().on(Adaptables.lavin(base))) {
            randomiseUpProjections(peft, 13);
            ClipAttention attn = peft.model().visionTower().visionModel().layers().get(1).selfAttn();
            MmAdapterLayer.Slot slot = slot(peft.model(), "vision_tower.vision_model.encoder.layers.1.self_attn");
            int batch = 2;
            int len = 5;
            int d = 16;
            float[] x = new float[batch * len * d];
            SplittableRandom random = new SplittableRandom(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] out = attn.adaptInput(m.create(x, new Shape(batch, len, d)), 0).toFloatArray();
            float[][] params = {slot.convA.weight().getArray().toFloatArray(), slot.convA.bias().getArray().toFloatArray(),
                slot.convB.weight().getArray().toFloatArray(), slot.convB.bias().getArray().toFloatArray(),
                slot.convD.weight().getArray().toFloatArray(), slot.convD.bias().getArray().toFloatArray(),
                slot.router.weight().getArray().toFloatArray(), slot.router.bias().getArray().toFloatArray()};
            double tau = fx.config.routerTemperature();
            for (int b = 0; b < batch; b++) {
                for (int l = 0; l < len; l++) {
                    // ours: the token's own routing weights
                    double[] expected = released(x, b * len + l, b * len + l, params, d, 4, tau);
                    for (int o = 0; o < d; o++) {
                        assertEquals(expected[o], out[(b * len + l) * d + o], 1e-5, "image " + b + " position " + l + " channel " + o);
                    }
                    // LaVIN's: routing weights from the first image's token at this position
                    double[] lavin = released(x, b * len + l, l, params, d, 4, tau);
                    if (b == 0) {
                        assertArrayEquals(expected, lavin, 0.0);
                    }
                }
            }
            double[] second = released(x, len + 2, len + 2, params, d, 4, tau);
            double[] borrowed = released(x, len + 2, 2, params, d, 4, tau);
            assertTrue(maxAbsDiff(second, borrowed) > 1e-4, "LaVIN's batch layout routes the second image by the first one's tokens");
        }
    }

    @Test
    void filesRoundTripAndBadConfigsAreNamed(@TempDir Path out) throws Exception {
        try (Lavin base = Lavin.load(fx.dir);
                LavinProcessor processor = LavinProcessor.load(fx.dir, base.config());
                NDManager m = NDManager.newBaseManager()) {
            LavinInputs in = processor.trainingInputs(fx.prompts(), m);
            float[] trained;
            try (PeftModel<Lavin> peft = Peft.mmAdapter().on(Adaptables.lavin(base, processor, "tiny-lavin"))) {
                randomiseUpProjections(peft, 17);
                peft.trainableParameters().get("base_model.model.adapter_modality_embedding.weight").getArray().muli(2f);
                trained = peft.model().forward(in).logits().toFloatArray();
                peft.save(out);
            }
            JsonNode config = Json.read(out.resolve("adapter_config.json"));
            assertEquals("MMPEFT_MM_ADAPTER", config.get("peft_type").asText());
            assertEquals(4, config.get("adapter_dim").asInt());
            assertEquals(10.0, config.get("temperature").asDouble());
            assertEquals(2, config.get("groups").asInt());
            assertEquals(6, config.get("target_modules").size());
            try (dev.mmpeft.core.safetensors.Checkpoint file = dev.mmpeft.core.safetensors.Checkpoint.open(out.resolve("adapter_model.safetensors"))) {
                assertTrue(file.names().contains("base_model.model.language_model.model.layers.1.self_attn.mm_adapter.conv_D.weight"));
                assertTrue(file.names().contains("base_model.model.vision_tower.vision_model.encoder.layers.3.self_attn.mm_adapter.expert_weights.bias"));
                assertTrue(file.names().contains("base_model.model.adapter_proj.conv_B.weight"));
                assertTrue(file.names().contains("base_model.model.adapter_modality_embedding.weight"));
                assertEquals(new Shape(16, 2), new Shape(file.info("base_model.model.language_model.model.layers.0.self_attn.mm_adapter.conv_B.weight").shape()));
                assertEquals(6 * 8 + 4 + 1, file.names().size());
            }
            try (PeftModel<Lavin> loaded = Peft.load(Adaptables.lavin(base, processor, "tiny-lavin"), out)) {
                assertArrayEquals(trained, loaded.model().forward(in).logits().toFloatArray(), 1e-6f);
            }
            ObjectNode bad = (ObjectNode) config.deepCopy();
            bad.put("temperature", -1);
            Files.writeString(out.resolve("adapter_config.json"), Json.write(bad));
            PeftException e = assertThrows(PeftException.class, () -> Peft.load(Adaptables.lavin(base), out));
            assertEquals(out.resolve("adapter_config.json") + ": MmAdapterConfig.temperature must be a finite number > 0, got -1.0", e.getMessage());
            bad = (ObjectNode) config.deepCopy();
            bad.put("adapter_dim", 5);
            Files.writeString(out.resolve("adapter_config.json"), Json.write(bad));
            e = assertThrows(PeftException.class, () -> Peft.load(Adaptables.lavin(base), out));
            assertEquals(out.resolve("adapter_config.json") + ": MmAdapterConfig.adapter_dim 5 is not a multiple of groups 2", e.getMessage());
        }
        PeftException e = assertThrows(PeftException.class, () -> Peft.mmAdapter().target(dev.mmpeft.core.Component.QUERY_TOKENS)
                .report(Adaptables.lavin(Lavin.fromConfig(fx.config))));
        assertEquals("component QUERY_TOKENS has no attention or feed-forward sub-layer an MM-Adapter can go before; MM-Adapters go on"
                + " [LLM_ATTN, LLM_FFN, VISION_ATTN, VISION_MLP] (train QUERY_TOKENS in full instead)", e.getMessage());
        e = assertThrows(PeftException.class, () -> Peft.mmAdapter().dim(0).build());
        assertEquals("MmAdapterConfig.adapter_dim must be > 0, got 0", e.getMessage());
    }

    static MmAdapterLayer.Slot slot(Lavin model, String sublayer) {
        return (MmAdapterLayer.Slot) model.module(sublayer + ".mm_adapter.default").orElseThrow();
    }

    /** Gives every up-projection (conv_B, conv_D and their biases) small random values. */
    static void randomiseUpProjections(PeftModel<Lavin> peft, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Map.Entry<String, Parameter> e : peft.trainableParameters().entrySet()) {
            if (e.getKey().contains(".conv_B.") && e.getKey().contains("mm_adapter") || e.getKey().contains(".conv_D.")) {
                NDArray a = e.getValue().getArray();
                float[] v = new float[(int) a.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (random.nextGaussian() * 0.3);
                }
                a.set(v);
            }
        }
    }

    /**
     * LaVIN's {@code RepAdapter_Router} for one token {@code at} (rows of {@code x} of width
     * {@code d}) with routing weights from token {@code routeBy}, in plain Java: conv_A, the two
     * grouped up-projections (2 groups of {@code k / 2} inputs), scale 1.
     */
    static double[] released(float[] x, int at, int routeBy, float[][] p, int d, int k, double tau) {
        double[] l = new double[2];
        for (int c = 0; c < 2; c++) {
            l[c] = p[7][c];
            for (int j = 0; j < d; j++) {
                l[c] += p[6][c * d + j] * x[routeBy * d + j];
            }
            l[c] /= tau;
        }
        double z = Math.exp(l[0]) + Math.exp(l[1]);
        double w0 = Math.exp(l[0]) / z;
        double w1 = Math.exp(l[1]) / z;
        double[] h = new double[k];
        for (int i = 0; i < k; i++) {
            h[i] = p[1][i];
            for (int j = 0; j < d; j++) {
                h[i] += p[0][i * d + j] * x[at * d + j];
            }
        }
        int in = k / 2;
        double[] out = new double[d];
        for (int o = 0; o < d; o++) {
            int g = o / (d / 2);
            double b = p[3][o];
            double dd = p[5][o];
            for (int i = 0; i < in; i++) {
                b += p[2][o * in + i] * h[g * in + i];
                dd += p[4][o * in + i] * h[g * in + i];
            }
            out[o] = x[at * d + o] + b * w0 + dd * w1;
        }
        return out;
    }

    /** Per row, the mean next-token loss over its labelled positions. */
    static float[] rowLosses(NDArray logits, NDArray labels) {
        NDArray tokens = Losses.tokenCrossEntropy(logits.get(":, :-1, :"), labels.get(":, 1:"));
        float[] sums = tokens.sum(new int[] {1}).toFloatArray();
        long[] l = labels.toLongArray();
        int len = (int) labels.getShape().get(1);
        float[] out = new float[sums.length];
        for (int b = 0; b < sums.length; b++) {
            int n = 0;
            for (int t = 1; t < len; t++) {
                n += l[b * len + t] != Losses.IGNORE_INDEX ? 1 : 0;
            }
            out[b] = sums[b] / n;
        }
        return out;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static double maxAbsDiff(double[] a, double[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
