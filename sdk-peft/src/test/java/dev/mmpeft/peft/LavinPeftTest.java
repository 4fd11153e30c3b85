package dev.mmpeft.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.mmpeft.core.Component;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.lavin.Lavin;
import dev.mmpeft.models.lavin.LavinFixture;
import dev.mmpeft.models.lavin.LavinInputs;
import dev.mmpeft.models.lavin.LavinProcessor;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other methods on the LaVIN family's components (vision attention/MLP, the visual adapter as
 * the connector, LLM attention/FFN): LoRA with the connector trained in full, IA3, bottleneck
 * adapters and prefix tuning adapt it, start at the identity where they should and train on a
 * mixed text-only/image batch.
 */
class LavinPeftTest {
    @TempDir static Path dir;
    static LavinFixture fx;

    @BeforeAll
    static void setUp() throws Exception {
        fx = new LavinFixture(dir, 31);
    }

    @Test
    void loraOnVisionAndLanguageAttentionWithTheConnectorInFull() throws Exception {
        try (Lavin base = Lavin.load(fx.dir);
                LavinProcessor processor = LavinProcessor.load(fx.dir, base.config());
                NDManager m = NDManager.newBaseManager();
                PeftModel<Lavin> peft = Peft.lora().rank(2).alpha(4).target(Component.VISION_ATTN, Component.LLM_ATTN)
                        .train(Component.LANGUAGE_PROJECTION).on(Adaptables.lavin(base, processor, "tiny-lavin"))) {
            long lora = 0;
            Map<String, HfBlock> modules = base.namedModules();
            for (Component c : List.of(Component.VISION_ATTN, Component.LLM_ATTN)) {
                for (String name : base.modulesOf(c)) {
                    Linear l = (Linear) modules.get(name);
                    lora += 2L * (l.inFeatures() + l.outFeatures());
                }
            }
            assertEquals(lora + base.visualAdapter().parameterCount(), peft.trainableParameters().count());
            assertEquals(base.visualAdapter().parameterCount(), peft.parameterReport().trainable("LANGUAGE_PROJECTION"));
            assertIdentityThenTrains(base, processor, peft, m, "base_model.model.adapter_proj.conv_A.weight");
        }
    }

    @Test
    void ia3BottleneckAndPrefixTuningAdaptTheLanguageModel() throws Exception {
        try (Lavin base = Lavin.load(fx.dir);
                LavinProcessor processor = LavinProcessor.load(fx.dir, base.config());
                NDManager m = NDManager.newBaseManager()) {
            try (PeftModel<Lavin> ia3 = Peft.ia3().target(Component.LLM_ALL).on(Adaptables.lavin(base, processor, "tiny-lavin"))) {
                assertEquals(List.of("language_model.model.layers.0.self_attn.k_proj", "language_model.model.layers.0.self_attn.v_proj",
                        "language_model.model.layers.0.mlp.down_proj"), ia3.targetedModules("default").subList(0, 3));
                assertIdentityThenTrains(base, processor, ia3, m, null);
            }
            try (PeftModel<Lavin> bottleneck = Peft.adapter().bottleneck(4).houlsby().on(Adaptables.lavin(base, processor, "tiny-lavin"))) {
                assertEquals(4, bottleneck.targetedModules("default").size());
                assertIdentityThenTrains(base, processor, bottleneck, m, null);
            }
            try (PeftModel<Lavin> prefix = Peft.prefix().virtualTokens(3).on(Adaptables.lavin(base, processor, "tiny-lavin"))) {
                LavinInputs in = processor.generationInputs(fx.prompts(), m);
                // the prefix sits before the isolated modality token; decoding with a cache still equals decoding without
                for (GenerationConfig g : List.of(GenerationConfig.greedy(5), GenerationConfig.beams(2, 4))) {
                    var cached = prefix.model().generate(in, g);
                    var uncached = prefix.model().generate(in, g.toBuilder().useCache(false).build());
                    for (int i = 0; i < 4; i++) {
                        assertArrayEquals(uncached.tokens(i), cached.tokens(i), "row " + i + " " + g);
                    }
                }
                trainStep(prefix, m);
            }
        }
    }

    /** Outputs equal the base model's at the start, and one step on a mixed batch moves the adapter. */
    private static void assertIdentityThenTrains(Lavin base, LavinProcessor processor, PeftModel<Lavin> peft, NDManager m, String fullTensor) {
        LavinInputs in = processor.trainingInputs(fx.prompts(), m);
        float[] before = base.forward(in).logits().toFloatArray();
        float[] adapted = peft.model().forward(in).logits().toFloatArray();
        double max = 0;
        for (int i = 0; i < before.length; i++) {
            max = Math.max(max, Math.abs(before[i] - adapted[i]));
        }
        assertEquals(0.0, max, 1e-6);
        if (fullTensor != null) {
            assertTrue(peft.trainableParameters().containsKey(fullTensor), fullTensor);
        }
        trainStep(peft, m);
    }

    private static void trainStep(PeftModel<Lavin> peft, NDManager m) {
        peft.setTraining(true);
        for (Parameter p : peft.trainableParameters().values()) {
            p.getArray().setRequiresGradient(true);
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = peft.loss(fx.prompts(), m);
            assertTrue(Float.isFinite(loss.getFloat()));
            gc.backward(loss);
        }
        double norm = 0;
        for (Parameter p : peft.trainableParameters().values()) {
            norm += p.getArray().getGradient().abs().sum().getFloat();
        }
        assertTrue(norm > 0, "the mixed batch gives the adapter a gradient");
        peft.setTraining(false);
    }
}
