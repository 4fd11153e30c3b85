package dev.mmpeft.peft.ia3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.peft.AdapterMismatchException;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.peft.TargetNotFoundException;
import dev.mmpeft.peft.format.AdapterFiles;
import dev.mmpeft.peft.lora.InitLoraWeights;
import dev.mmpeft.peft.lora.LoraConfig;
import dev.mmpeft.peft.testing.ToyModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IA3 on a toy model: the layer computes PEFT's {@code base(x) * l} and {@code base(x * l)} (checked
 * against sums written out in double precision), merges as PEFT does, saves PEFT's keys and shapes,
 * and refuses what it cannot do with messages naming the option, the value and what was expected.
 */
class Ia3LayerTest {
    @TempDir Path tmp;
    private NDManager manager;
    private ToyModel base;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base = ToyModel.random(manager, 41);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** {@code W v + b} in double precision; {@code w} is {@code [out, in]} row-major. */
    private static double[] affine(float[] w, float[] b, double[] v, int out) {
        int in = v.length;
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b == null ? 0 : b[o];
            for (int i = 0; i < in; i++) {
                s += (double) w[o * in + i] * v[i];
            }
            y[o] = s;
        }
        return y;
    }

    private static void assertClose(double[] expected, float[] got, double tol, String what) {
        assertEquals(expected.length, got.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], tol, what + " [" + i + "]");
        }
    }

    @Test
    void attentionScalesTheOutputAndFeedforwardTheInputAsPeft() {
        try (PeftModel<ToyModel.Net> peft = Peft.ia3().target("query", "fc2").feedforward("fc2").init(false).seed(3).on(base)) {
            Map<String, NDArray> t = peft.adapterTensors("default");
            String q = "encoder.layer.1.attention.query";
            String fc2 = "encoder.layer.1.ffn.fc2";
            assertEquals(new Shape(ToyModel.HIDDEN, 1), t.get("base_model.model." + q + ".ia3_l").getShape(), "attention: [out, 1]");
            assertEquals(new Shape(1, ToyModel.FFN), t.get("base_model.model." + fc2 + ".ia3_l").getShape(), "feed-forward: [1, in]");
            // in memory, PEFT's ParameterDict name
            assertTrue(peft.model().namedParameters().containsKey(q + ".ia3_l.default"), peft.model().namedParameters().keySet().toString());

            float[] lq = t.get("base_model.model." + q + ".ia3_l").toFloatArray();
            float[] lf = t.get("base_model.model." + fc2 + ".ia3_l").toFloatArray();
            assertTrue(Math.abs(lq[0] - 1) > 1e-3, "init_ia3_weights=false: random vectors");
            Linear query = (Linear) peft.model().module(q).orElseThrow();
            Linear ffn = (Linear) peft.model().module(fc2).orElseThrow();
            float[] wq = query.weight().getArray().toFloatArray();
            float[] bq = query.bias().getArray().toFloatArray();
            float[] wf = ffn.weight().getArray().toFloatArray();
            float[] bf = ffn.bias().getArray().toFloatArray();
            double[] x = new double[ToyModel.HIDDEN];
            double[] xf = new double[ToyModel.FFN];
            for (int i = 0; i < x.length; i++) {
                x[i] = Math.sin(i + 1);
            }
            for (int i = 0; i < xf.length; i++) {
                xf[i] = Math.cos(i);
            }
            double[] yq = affine(wq, bq, x, ToyModel.HIDDEN);
            for (int o = 0; o < yq.length; o++) {
                yq[o] *= lq[o];
            }
            double[] scaled = new double[xf.length];
            for (int i = 0; i < xf.length; i++) {
                scaled[i] = xf[i] * lf[i];
            }
            double[] yf = affine(wf, bf, scaled, ToyModel.HIDDEN);
            try (NDManager scope = manager.newSubManager()) {
                assertClose(yq, query.forward(scope.create(toFloat(x), new Shape(1, x.length))).toFloatArray(), 1e-5, "(W x + b) * l");
                assertClose(yf, ffn.forward(scope.create(toFloat(xf), new Shape(1, xf.length))).toFloatArray(), 1e-5, "W (x * l) + b");
            }

            // PEFT's merge: attention rows and bias scaled, feed-forward columns scaled and bias kept
            peft.merge();
            float[] mq = query.weight().getArray().toFloatArray();
            float[] mbq = query.bias().getArray().toFloatArray();
            float[] mf = ffn.weight().getArray().toFloatArray();
            for (int o = 0; o < ToyModel.HIDDEN; o++) {
                assertEquals(bq[o] * lq[o], mbq[o], 1e-6, "attention bias * l");
                for (int i = 0; i < ToyModel.HIDDEN; i++) {
                    assertEquals(wq[o * ToyModel.HIDDEN + i] * lq[o], mq[o * ToyModel.HIDDEN + i], 1e-6, "W row * l");
                }
                for (int i = 0; i < ToyModel.FFN; i++) {
                    assertEquals(wf[o * ToyModel.FFN + i] * lf[i], mf[o * ToyModel.FFN + i], 1e-6, "W column * l");
                }
            }
            assertArrayEquals(bf, ffn.bias().getArray().toFloatArray(), "feed-forward bias unchanged");
            peft.unmerge();
            assertArrayEquals(wq, query.weight().getArray().toFloatArray(), "unmerge restores the original array");
        }
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    @Test
    void savesPeftsKeysAndShapesAndLoadsThemBack() throws IOException {
        NDArray input = manager.randomUniform(-1, 1, new Shape(2, 3, ToyModel.IN));
        Path dir = tmp.resolve("ia3");
        float[] expected;
        try (PeftModel<ToyModel.Net> peft = Peft.ia3().target("key", "value", "fc2").feedforward("fc2").init(false).seed(9)
                .train(Component.LANGUAGE_PROJECTION).on(base)) {
            expected = ToyModel.outputs(peft.model(), input);
            peft.save(dir);
        }
        JsonNode config = Json.read(dir.resolve(AdapterFiles.CONFIG));
        assertEquals("[\"key\",\"value\",\"fc2\"]", config.get("target_modules").toString(), "as given: a list of names");
        assertEquals("[\"fc2\"]", config.get("feedforward_modules").toString());
        assertEquals("[\"proj\"]", config.get("modules_to_save").toString());
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (Checkpoint file = Checkpoint.open(dir.resolve(AdapterFiles.WEIGHTS))) {
            for (String k : file.names()) {
                shapes.put(k, file.find(k).orElseThrow().shape());
            }
        }
        // key on layers 0 and 2 only (the toy's cross-attention), value and fc2 on all three layers, proj in full
        assertEquals(2 + 3 + 3 + 2, shapes.size(), shapes.keySet().toString());
        assertArrayEquals(new long[] {ToyModel.HIDDEN, 1}, shapes.get("base_model.model.encoder.layer.2.attention.key.ia3_l"));
        assertArrayEquals(new long[] {1, ToyModel.FFN}, shapes.get("base_model.model.encoder.layer.0.ffn.fc2.ia3_l"));
        assertArrayEquals(new long[] {ToyModel.OUT, ToyModel.HIDDEN}, shapes.get("base_model.model.proj.weight"));
        try (PeftModel<ToyModel.Net> loaded = Peft.load(base, dir)) {
            assertArrayEquals(expected, ToyModel.outputs(loaded.model(), input));
        }
    }

    @Test
    void aPeftFileWithWrongShapesIsRefusedNamingTheTensor() throws IOException {
        Path dir = tmp.resolve("wrong");
        try (PeftModel<ToyModel.Net> peft = Peft.ia3().target("value", "fc2").feedforward("fc2").on(base)) {
            peft.save(dir);
        }
        // a vector saved as an attention vector [out, 1] where the file's config says feed-forward [1, in]
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (NDManager m = manager.newSubManager()) {
            try (Checkpoint file = Checkpoint.open(dir.resolve(AdapterFiles.WEIGHTS))) {
                for (String k : file.names()) {
                    NDArray a = file.load(k, m);
                    tensors.put(k, k.contains("fc2") ? m.ones(new Shape(ToyModel.HIDDEN, 1)) : m.create(a.toFloatArray(), a.getShape()));
                }
            }
            SafetensorsWriter.write(dir.resolve(AdapterFiles.WEIGHTS), tensors);
        }
        AdapterMismatchException e = assertThrows(AdapterMismatchException.class, () -> Peft.load(base, dir));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("encoder.layer.0.ffn.fc2.ia3_l: file [8, 1], model expects (1, 16)"), e.getMessage());
    }

    @Test
    void targetsIa3CannotTakeAreRefused() throws IOException {
        PeftException norm = assertThrows(PeftException.class, () -> Peft.ia3().target("norm").on(base));
        assertTrue(norm.getMessage().contains("'encoder.layer.0.norm' is a LayerNorm; IA3 applies to linear layers only"), norm.getMessage());
        // the toy has no family with IA3 roles: no default targets, and no component module has a role
        PeftException defaults = assertThrows(PeftException.class, () -> Peft.ia3().on(base));
        assertTrue(defaults.getMessage().startsWith("IA3Config has no target_modules, and the model is of no family with IA3 defaults"),
                defaults.getMessage());
        PeftException component = assertThrows(PeftException.class, () -> Peft.ia3().target(Component.QFORMER_FFN).on(base));
        assertTrue(component.getMessage().startsWith("component QFORMER_FFN has no module IA3 can take"), component.getMessage());
        assertTrue(component.getMessage().contains("encoder.layer.0.ffn.fc1"), component.getMessage());
        assertThrows(TargetNotFoundException.class, () -> Peft.ia3().target("querry").on(base));
        PeftException ff = assertThrows(PeftException.class, () -> Peft.ia3().targetRegex(".*value").feedforward("fc9").on(base));
        assertTrue(ff.getMessage().startsWith("IA3Config.feedforward_modules entry 'fc9' matches none of the"), ff.getMessage());
        // one module treated both ways by two IA3 adapters
        try (PeftModel<ToyModel.Net> peft = Peft.ia3().target("fc2").feedforward("fc2").on(base)) {
            PeftException shape = assertThrows(PeftException.class,
                    () -> peft.addAdapter("other", Ia3Config.builder().addTargetModules("fc2").feedforwardModules(List.of()).build()));
            assertTrue(shape.getMessage().contains("treats it as feed-forward; adapter 'other' treats it as attention"), shape.getMessage());
            assertEquals(List.of("default"), List.copyOf(peft.adapterNames()), "a failed add leaves nothing behind");
        }
    }

    @Test
    void loraBesideIa3OnOneModuleComputesOneAdapterAtATime() {
        NDArray input = manager.randomUniform(-1, 1, new Shape(2, 3, ToyModel.IN));
        float[] baseOut = ToyModel.outputs(base.model(), input);
        try (PeftModel<ToyModel.Net> peft = Peft.ia3().target("fc2").feedforward("fc2").init(false).seed(1).on(base)) {
            float[] ia3 = ToyModel.outputs(peft.model(), input);
            peft.addAdapter("lora", LoraConfig.builder().r(2).addTargetModules("fc2").initLoraWeights(InitLoraWeights.RANDOM).build());
            assertArrayEquals(ia3, ToyModel.outputs(peft.model(), input), "the LoRA beside it computes nothing while IA3 is active");
            peft.setActiveAdapter("lora");
            float[] lora = ToyModel.outputs(peft.model(), input);
            assertTrue(maxDiff(lora, ia3) > 1e-3 && maxDiff(lora, baseOut) > 1e-3, "LoRA computes its own output");
            peft.deleteAdapter("default");
            assertArrayEquals(lora, ToyModel.outputs(peft.model(), input), "IA3 on the same module took no part in LoRA's output");
        }
    }

    @Test
    void severalIa3AdaptersSwitchByNameAndLeaveTheBaseUntouched() {
        NDArray input = manager.randomUniform(-1, 1, new Shape(2, 3, ToyModel.IN));
        float[] baseOut = ToyModel.outputs(base.model(), input);
        try (PeftModel<ToyModel.Net> peft = Peft.ia3().target("value", "fc2").feedforward("fc2").init(false).seed(1).on(base)) {
            float[] first = ToyModel.outputs(peft.model(), input);
            peft.addAdapter("second", Ia3Config.builder().addTargetModules("value").initIa3Weights(false).build());
            peft.setActiveAdapter("second");
            float[] second = ToyModel.outputs(peft.model(), input);
            assertTrue(maxDiff(first, second) > 1e-3);
            peft.setActiveAdapter("default");
            assertArrayEquals(first, ToyModel.outputs(peft.model(), input), "switching back gives the first adapter's outputs");
            try (var off = peft.disableAdapters()) {
                assertArrayEquals(baseOut, ToyModel.outputs(peft.model(), input), "disabled: the base model");
            }
            peft.deleteAdapter("default");
            assertArrayEquals(second, ToyModel.outputs(peft.model(), input), "the remaining adapter is active");
        }
        assertArrayEquals(baseOut, ToyModel.outputs(base.model(), input));
    }

    private static float maxDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
