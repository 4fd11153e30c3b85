package dev.mmpeft.peft;

import dev.mmpeft.peft.lora.LoraConfig;
import dev.mmpeft.peft.lora.InitLoraWeights;
import dev.mmpeft.peft.lora.LoraBias;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.Component;
import dev.mmpeft.peft.testing.ToyModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PeftModelTest {
    private NDManager manager;
    private ToyModel base;
    private NDArray input;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base = ToyModel.random(manager, 7);
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[2 * 5 * ToyModel.IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        input = manager.create(x, new Shape(2, 5, ToyModel.IN));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private float[] run(ToyModel.Net net) {
        return ToyModel.outputs(net, input);
    }

    private static Map<String, float[]> snapshot(ToyModel model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.root().namedParameters().forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }

    @Test
    void freshLoraWithZeroBLeavesOutputsBitIdentical() {
        float[] before = run(base.model());
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(2).alpha(4).target(Component.QFORMER_ALL).target("proj").on(base)) {
            float[] after = run(peft.model());
            assertEquals(before.length, after.length);
            for (int i = 0; i < before.length; i++) {
                assertEquals(before[i], after[i], 0.0f, "output " + i);
            }
            // the adapter is really there: A is Kaiming-uniform (bound 1/sqrt(in)), B zero
            NDArray a = peft.adapterTensors("default").get("base_model.model.encoder.layer.0.attention.query.lora_A.weight");
            NDArray b = peft.adapterTensors("default").get("base_model.model.encoder.layer.0.attention.query.lora_B.weight");
            assertEquals(new Shape(2, ToyModel.HIDDEN), a.getShape());
            assertEquals(new Shape(ToyModel.HIDDEN, 2), b.getShape());
            float bound = (float) (1 / Math.sqrt(ToyModel.HIDDEN));
            float max = 0;
            for (float v : a.toFloatArray()) {
                assertTrue(Math.abs(v) <= bound, "A within +-1/sqrt(in)");
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max > bound / 4, "A is not all small: " + max);
            for (float v : b.toFloatArray()) {
                assertEquals(0f, v);
            }
        }
    }

    @Test
    void loraForwardIsBasePlusScaledLowRankProduct() {
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(3).alpha(6).init(InitLoraWeights.RANDOM).target("proj").on(base)) {
            // with LoRA only on the last layer, the difference of outputs is B A h * alpha / r,
            // where h is proj's input, recomputed here from the base model
            float[] baseOut = run(base.model());
            float[] out = run(peft.model());
            float[] h;
            try (NDManager scope = manager.newSubManager()) {
                NDArray x = input.duplicate();
                x.attach(scope);
                h = base.model().hidden(x).toFloatArray();
            }
            float[] wa = peft.adapterTensors("default").get("base_model.model.proj.lora_A.weight").toFloatArray();
            float[] wb = peft.adapterTensors("default").get("base_model.model.proj.lora_B.weight").toFloatArray();
            int rows = 2 * 5;
            double scaling = 6.0 / 3;
            for (int n = 0; n < rows; n++) {
                for (int o = 0; o < ToyModel.OUT; o++) {
                    double d = 0;
                    for (int k = 0; k < 3; k++) {
                        double ah = 0;
                        for (int i = 0; i < ToyModel.HIDDEN; i++) {
                            ah += wa[k * ToyModel.HIDDEN + i] * h[n * ToyModel.HIDDEN + i];
                        }
                        d += wb[o * 3 + k] * ah;
                    }
                    int idx = n * ToyModel.OUT + o;
                    assertEquals(baseOut[idx] + d * scaling, out[idx], 1e-5, "output " + idx);
                }
            }
            assertTrue(Math.abs(out[0] - baseOut[0]) > 1e-3, "random B changes the output");
        }
    }

    @Test
    void frozenWeightsShareTheBaseArraysAndTheBaseIsUntouched() {
        Map<String, float[]> before = snapshot(base);
        Map<String, Parameter> baseParams = base.root().namedParameters();
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(2).target(Component.QFORMER_SELF_ATTN)
                .train(Component.LANGUAGE_PROJECTION, Component.QUERY_TOKENS).on(base)) {
            Map<String, Parameter> twin = peft.adaptable().root().namedParameters();
            int shared = 0;
            for (Map.Entry<String, Parameter> e : baseParams.entrySet()) {
                NDArray mine = twin.get(e.getKey()).getArray();
                if (e.getKey().startsWith("proj.") || e.getKey().equals("query_tokens")) {
                    assertNotSame(e.getValue().getArray(), mine, e.getKey() + " trains in full: a copy");
                    assertArrayEquals(e.getValue().getArray().toFloatArray(), mine.toFloatArray());
                } else {
                    assertSame(e.getValue().getArray(), mine, e.getKey() + " is shared, not copied");
                    assertFalse(twin.get(e.getKey()).requiresGradient(), e.getKey() + " frozen");
                    shared++;
                }
            }
            assertEquals(baseParams.size() - 3, shared);
            // the base model's own layers got no adapter
            assertTrue(base.root().namedModules().keySet().stream().noneMatch(n -> n.contains("lora_")));
            assertTrue(twin.containsKey("encoder.layer.1.attention.query.lora_A.default.weight"), "PEFT in-memory names");
            assertTrue(twin.containsKey("encoder.layer.1.attention.value.lora_B.default.weight"));
        }
        Map<String, float[]> after = snapshot(base);
        for (String k : before.keySet()) {
            assertArrayEquals(before.get(k), after.get(k), k);
        }
    }

    @Test
    void mergeEqualsUnmergedAndNeverWritesSharedArrays() {
        Map<String, float[]> before = snapshot(base);
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(4).alpha(8).init(InitLoraWeights.RANDOM).seed(11)
                .target(Component.QFORMER_ALL).target("proj").bias(LoraBias.NONE).on(base)) {
            float[] unmerged = run(peft.model());
            // looked up each time: pointing a parameter at another array replaces the Parameter object
            String w = "encoder.layer.0.attention.query.weight";
            NDArray original = peft.adaptable().root().parameter(w).getArray();
            peft.merge();
            assertTrue(peft.isMerged());
            assertNotSame(original, peft.adaptable().root().parameter(w).getArray(), "merged weight is a new array");
            float[] merged = run(peft.model());
            float maxDiff = 0;
            for (int i = 0; i < merged.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(merged[i] - unmerged[i]));
            }
            assertTrue(maxDiff <= 1e-5, "merged vs unmerged max diff " + maxDiff);
            assertTrue(Math.abs(unmerged[0] - run(base.model())[0]) > 1e-4, "the adapter does change outputs");
            peft.unmerge();
            assertSame(original, peft.adaptable().root().parameter(w).getArray(), "unmerge points back at the shared array");
            assertArrayEquals(unmerged, run(peft.model()));
        }
        Map<String, float[]> after = snapshot(base);
        for (String k : before.keySet()) {
            assertArrayEquals(before.get(k), after.get(k), k + " unchanged by merge");
        }
    }

    @Test
    void multipleAdaptersAddSwitchDisableDelete() {
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(2).init(InitLoraWeights.RANDOM).seed(1)
                .target(Component.QFORMER_SELF_ATTN).on(base)) {
            float[] baseOut = run(base.model());
            float[] first = run(peft.model());
            peft.addAdapter("second", LoraConfig.builder().r(3).loraAlpha(5).initLoraWeights(InitLoraWeights.RANDOM)
                    .addTargetModules("fc1").build());
            assertEquals(List.of("default", "second"), List.copyOf(peft.adapterNames()));
            assertEquals("default", peft.activeAdapter().orElseThrow());
            assertArrayEquals(first, run(peft.model()), "adding an adapter does not activate it");
            assertTrue(peft.trainableParameters().keySet().stream().allMatch(k -> k.contains("attention")));

            peft.setActiveAdapter("second");
            float[] second = run(peft.model());
            assertFalse(java.util.Arrays.equals(first, second));
            assertTrue(peft.trainableParameters().keySet().stream().allMatch(k -> k.contains("ffn.fc1")));
            // only the active adapter's arrays require gradients
            for (Map.Entry<String, NDArray> e : peft.adapterTensors("default").entrySet()) {
                assertFalse(e.getValue().hasGradient(), e.getKey());
            }
            for (Map.Entry<String, NDArray> e : peft.adapterTensors("second").entrySet()) {
                assertTrue(e.getValue().hasGradient(), e.getKey());
            }

            try (AdaptersDisabled off = peft.disableAdapters()) {
                assertArrayEquals(baseOut, run(peft.model()), "disabled adapters give the base model's outputs");
            }
            assertArrayEquals(second, run(peft.model()), "re-enabled on close");

            peft.deleteAdapter("second");
            assertEquals(List.of("default"), List.copyOf(peft.adapterNames()));
            assertEquals("default", peft.activeAdapter().orElseThrow());
            assertArrayEquals(first, run(peft.model()));
            assertTrue(peft.adaptable().root().namedParameters().keySet().stream().noneMatch(k -> k.contains(".second.")));
            peft.deleteAdapter("default");
            assertTrue(peft.activeAdapter().isEmpty());
            assertArrayEquals(baseOut, run(peft.model()));
            assertTrue(peft.adaptable().root().namedModules().keySet().stream().noneMatch(k -> k.contains("lora_")));
        }
    }

    @Test
    void rankAndAlphaPatternsAndRsloraSetPerModuleScaling() {
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(2).alpha(4).useRslora(true)
                .target("query", "value").rankPattern("layer\\.1\\.attention\\.query", 5).alphaPattern("value", 9)
                .on(base)) {
            Map<String, NDArray> t = peft.adapterTensors("default");
            assertEquals(new Shape(5, ToyModel.HIDDEN), t.get("base_model.model.encoder.layer.1.attention.query.lora_A.weight").getShape());
            assertEquals(new Shape(2, ToyModel.HIDDEN), t.get("base_model.model.encoder.layer.0.attention.query.lora_A.weight").getShape());
            assertEquals(new Shape(ToyModel.HIDDEN, 5), t.get("base_model.model.encoder.layer.1.attention.query.lora_B.weight").getShape());
            LoraConfig saved = peft.config("default", LoraConfig.class);
            assertEquals(Map.of("layer\\.1\\.attention\\.query", 5), saved.rankPattern());
            // 36 = 3 layers x 2 modules x 2 x (8 + 8) at r 2, minus layer 1's query at r 2 plus at r 5
            long expected = 3L * 2 * 2 * 16 - 2 * 16 + 5 * 16;
            assertEquals(expected, peft.trainableParameters().count());
        }
    }

    @Test
    void layersToTransformAndExcludesFollowPeft() {
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(1).target("query", "fc1").layers(0, 2).exclude("encoder.layer.2.ffn.fc1").on(base)) {
            assertEquals(
                    List.of("encoder.layer.0.attention.query", "encoder.layer.0.ffn.fc1", "encoder.layer.2.attention.query"),
                    peft.targetedModules("default"));
        }
    }

    @Test
    void replicateMakesAnIndependentCopyForDataParallelTraining() {
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(2).init(InitLoraWeights.RANDOM).target(Component.QFORMER_FFN)
                .train(Component.LANGUAGE_PROJECTION).on(base)) {
            peft.addAdapter("other", Peft.lora().rank(1).target("query").build());
            float[] expected = run(peft.model());
            try (PeftModel<ToyModel.Net> copy = peft.replicate(dev.mmpeft.core.Device.cpu())) {
                assertArrayEquals(expected, run(copy.model()), "same outputs");
                assertEquals(peft.trainableParameters().keySet(), copy.trainableParameters().keySet());
                assertEquals(peft.adapterNames(), copy.adapterNames());
                Map<String, Parameter> mine = peft.adaptable().root().namedParameters();
                for (Map.Entry<String, Parameter> e : copy.adaptable().root().namedParameters().entrySet()) {
                    assertNotSame(mine.get(e.getKey()).getArray(), e.getValue().getArray(), e.getKey() + " not shared");
                }
                copy.trainableParameters().forEach((k, p) -> {
                    assertTrue(p.getArray().hasGradient(), k);
                    p.getArray().addi(1f);
                });
                assertArrayEquals(expected, run(peft.model()), "a step on the copy leaves the original alone");
            }
            assertArrayEquals(expected, run(peft.model()), "closing the copy frees only its own arrays");
        }
    }

    @Test
    void aReplicaMadeWhileGradientsAreRecordedStillTrains() {
        try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(2).init(InitLoraWeights.RANDOM).target(Component.QFORMER_FFN)
                .train(Component.LANGUAGE_PROJECTION).on(base)) {
            try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector();
                    PeftModel<ToyModel.Net> copy = peft.replicate(dev.mmpeft.core.Device.cpu());
                    NDManager scope = manager.newSubManager()) {
                NDArray x = input.duplicate();
                x.attach(scope);
                gc.backward(copy.model().forward(x).sum());
                copy.trainableParameters().forEach((k, p) -> {
                    NDArray g = p.getArray().getGradient();
                    assertTrue(g.abs().sum().getFloat() > 0, k + " got a gradient");
                    g.close();
                });
                peft.trainableParameters().forEach((k, p) -> {
                    NDArray g = p.getArray().getGradient();
                    assertEquals(0f, g.abs().sum().getFloat(), k + ": the copy's backward pass reaches no tensor of the original");
                    g.close();
                });
            }
        }
    }
}
