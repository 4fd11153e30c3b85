package dev.mmpeft.peft.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.peft.AdapterMismatchException;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftException;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.peft.format.AdapterFiles;
import dev.mmpeft.peft.format.AdapterFormats;
import dev.mmpeft.peft.testing.ToyModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DoRA ({@code use_dora}) on one linear layer of a toy model, against PEFT's formulas written out in
 * double precision: the magnitude's initial value, the forward pass, the gradients with the weight
 * norm detached, the merge; and its {@code adapter_config.json}.
 */
class DoraTest {
    private static final int IN = ToyModel.IN;
    private static final int OUT = ToyModel.HIDDEN;
    private static final int R = 2;
    private static final double SCALING = 3.0 / R;
    private static final String KEY = "base_model.model.embed.";

    private NDManager manager;
    private ToyModel base;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base = ToyModel.random(manager, 51);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private PeftModel<ToyModel.Net> dora() {
        // B random (not zero), so that B A enters the norm; dropout set but the model is in evaluation mode
        return Peft.lora().rank(R).alpha(3).dropout(0.3).dora(true).init(InitLoraWeights.RANDOM).seed(6).target("embed").on(base);
    }

    /** The layer's arrays, and PEFT's V = W + scaling B A and its row norms, in double precision. */
    private static final class Reference {
        final float[] w;
        final float[] b;
        final float[] a;
        final float[] bMat;
        final float[] m;
        final double[][] v = new double[OUT][IN];
        final double[] norm = new double[OUT];

        Reference(Linear layer, Map<String, NDArray> tensors) {
            w = layer.weight().getArray().toFloatArray();
            b = layer.bias().getArray().toFloatArray();
            a = tensors.get(KEY + "lora_A.weight").toFloatArray();
            bMat = tensors.get(KEY + "lora_B.weight").toFloatArray();
            m = tensors.get(KEY + "lora_magnitude_vector").toFloatArray();
            for (int o = 0; o < OUT; o++) {
                double s = 0;
                for (int i = 0; i < IN; i++) {
                    double ba = 0;
                    for (int k = 0; k < R; k++) {
                        ba += (double) bMat[o * R + k] * a[k * IN + i];
                    }
                    v[o][i] = w[o * IN + i] + SCALING * ba;
                    s += v[o][i] * v[o][i];
                }
                norm[o] = Math.sqrt(s);
            }
        }

        /** (m / ||V||) (W x + scaling B A x) + b: PEFT's DoRA output, evaluation mode. */
        double[] forward(double[] x) {
            double[] y = new double[OUT];
            for (int o = 0; o < OUT; o++) {
                double vx = 0;
                for (int i = 0; i < IN; i++) {
                    vx += v[o][i] * x[i];
                }
                y[o] = m[o] / norm[o] * vx + b[o];
            }
            return y;
        }

        double[] ax(double[] x) {
            double[] out = new double[R];
            for (int k = 0; k < R; k++) {
                for (int i = 0; i < IN; i++) {
                    out[k] += a[k * IN + i] * x[i];
                }
            }
            return out;
        }
    }

    private static double[] input() {
        double[] x = new double[IN];
        for (int i = 0; i < IN; i++) {
            x[i] = Math.sin(2.0 * i + 0.5);
        }
        return x;
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    @Test
    void magnitudeStartsAtTheRowNormsAndTheForwardPassIsPefts() {
        try (PeftModel<ToyModel.Net> peft = dora()) {
            Map<String, NDArray> tensors = peft.adapterTensors("default");
            assertEquals(new Shape(OUT), tensors.get(KEY + "lora_magnitude_vector").getShape());
            assertTrue(peft.model().namedParameters().containsKey("embed.lora_magnitude_vector.default.weight"), "PEFT's in-memory name");
            Linear layer = (Linear) peft.model().module("embed").orElseThrow();
            Reference start = new Reference(layer, tensors);
            for (int o = 0; o < OUT; o++) {
                assertEquals(start.norm[o], start.m[o], 1e-5, "magnitude starts at ||W + s B A|| of row " + o);
            }
            // a trained magnitude: no longer the norm, so m / ||V|| matters
            NDArray mag = tensors.get(KEY + "lora_magnitude_vector");
            mag.muli(manager.arange(OUT).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mul(0.1f).add(0.7f));
            Reference ref = new Reference(layer, tensors);
            double[] x = input();
            try (NDManager scope = manager.newSubManager()) {
                float[] y = layer.forward(scope.create(floats(x), new Shape(1, IN))).toFloatArray();
                double[] expected = ref.forward(x);
                for (int o = 0; o < OUT; o++) {
                    assertEquals(expected[o], y[o], 1e-5, "output " + o);
                }
            }
        }
    }

    @Test
    void gradientsTreatTheWeightNormAsAConstant() {
        try (PeftModel<ToyModel.Net> peft = dora()) {
            Map<String, NDArray> tensors = peft.adapterTensors("default");
            tensors.get(KEY + "lora_magnitude_vector").muli(1.2f);
            Linear layer = (Linear) peft.model().module("embed").orElseThrow();
            Reference ref = new Reference(layer, tensors);
            double[] x = input();
            double[] c = new double[OUT];
            for (int o = 0; o < OUT; o++) {
                c[o] = 0.5 + 0.25 * o;
            }
            Map<String, Parameter> trainable = peft.trainableParameters();
            try (NDManager scope = manager.newSubManager()) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = layer.forward(scope.create(floats(x), new Shape(1, IN)));
                    gc.backward(y.mul(scope.create(floats(c), new Shape(1, OUT))).sum());
                }
                float[] gm = trainable.get(KEY + "lora_magnitude_vector").getArray().getGradient().toFloatArray();
                float[] gb = trainable.get(KEY + "lora_B.weight").getArray().getGradient().toFloatArray();
                double[] ax = ref.ax(x);
                for (int o = 0; o < OUT; o++) {
                    double vx = 0;
                    for (int i = 0; i < IN; i++) {
                        vx += ref.v[o][i] * x[i];
                    }
                    // L = sum_o c_o (m_o / n_o) (V x)_o + b_o with n_o constant
                    assertEquals(c[o] * vx / ref.norm[o], gm[o], 1e-5, "dL/dm " + o);
                    for (int k = 0; k < R; k++) {
                        assertEquals(c[o] * ref.m[o] / ref.norm[o] * SCALING * ax[k], gb[o * R + k], 1e-5, "dL/dB " + o + "," + k);
                    }
                }
                trainable.values().forEach(p -> p.getArray().getGradient().muli(0));
            }
        }
    }

    @Test
    void mergeIsPeftsRescaledWeightAndUnmergeRestoresIt() {
        try (PeftModel<ToyModel.Net> peft = dora()) {
            Map<String, NDArray> tensors = peft.adapterTensors("default");
            tensors.get(KEY + "lora_magnitude_vector").muli(0.9f);
            Linear layer = (Linear) peft.model().module("embed").orElseThrow();
            Reference ref = new Reference(layer, tensors);
            NDArray input = manager.randomUniform(-1, 1, new Shape(2, 3, IN));
            float[] unmerged = ToyModel.outputs(peft.model(), input);
            float[] original = layer.weight().getArray().toFloatArray();
            peft.merge();
            float[] merged = layer.weight().getArray().toFloatArray();
            for (int o = 0; o < OUT; o++) {
                for (int i = 0; i < IN; i++) {
                    assertEquals(ref.m[o] / ref.norm[o] * ref.v[o][i], merged[o * IN + i], 1e-5, "(m / ||V||) V at " + o + "," + i);
                }
            }
            assertArrayEquals(ref.b, layer.bias().getArray().toFloatArray(), "the bias is not rescaled");
            float[] out = ToyModel.outputs(peft.model(), input);
            for (int i = 0; i < out.length; i++) {
                assertEquals(unmerged[i], out[i], 1e-5, "merged output " + i);
            }
            peft.unmerge();
            assertArrayEquals(original, layer.weight().getArray().toFloatArray());
        }
    }

    @Test
    void configWritesUseDoraAndEveryKeyPeft015Writes() {
        LoraConfig c = LoraConfig.builder().r(4).dora(true).addTargetModules("q", "v").build();
        JsonNode json = LoraFormat.write(c);
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        // PEFT 0.15's LoraConfig.to_dict() minus runtime_config, sorted
        assertEquals(List.of("alpha_pattern", "auto_mapping", "base_model_name_or_path", "bias", "corda_config", "eva_config",
                "exclude_modules", "fan_in_fan_out", "inference_mode", "init_lora_weights", "layer_replication", "layers_pattern",
                "layers_to_transform", "loftq_config", "lora_alpha", "lora_bias", "lora_dropout", "megatron_config", "megatron_core",
                "modules_to_save", "peft_type", "r", "rank_pattern", "revision", "target_modules", "task_type",
                "trainable_token_indices", "use_dora", "use_rslora"), keys);
        assertTrue(json.get("use_dora").booleanValue());
        LoraConfig back = (LoraConfig) AdapterFormats.readConfig(json, "t");
        assertTrue(back.useDora());
        assertEquals("DoRA r=4, alpha=8", back.describe());
        PeftException bias = assertThrows(PeftException.class, () -> Peft.lora().dora(true).loraBias(true).target("q").build());
        assertEquals("LoraConfig.lora_bias = true is not supported with use_dora = true (DoRA); set one of them to false", bias.getMessage());
        PeftException file = assertThrows(PeftException.class, () -> AdapterFormats.readConfig(Json.parse(
                "{\"peft_type\": \"LORA\", \"r\": 2, \"use_dora\": true, \"lora_bias\": true, \"target_modules\": [\"q\"]}", "d.json"), "d.json"));
        assertTrue(file.getMessage().startsWith("d.json: LoraConfig.lora_bias = true is not supported with use_dora = true"), file.getMessage());
        PeftException type = assertThrows(PeftException.class, () -> AdapterFormats.readConfig(Json.parse(
                "{\"peft_type\": \"LORA\", \"r\": 2, \"use_dora\": 1, \"target_modules\": [\"q\"]}", "e.json"), "e.json"));
        assertEquals("e.json: use_dora must be true or false, got 1", type.getMessage());
    }

    @Test
    void badSizesAndWrongMagnitudeShapesAreRefusedByName(@TempDir Path tmp) throws Exception {
        assertEquals("LoraConfig.r must be > 0, got 0", assertThrows(PeftException.class, () -> Peft.lora().rank(0).dora(true).target("embed").build()).getMessage());
        assertEquals("LoraConfig.r must be > 0, got -2", assertThrows(PeftException.class, () -> Peft.lora().rank(-2).dora(true).target("embed").build()).getMessage());
        Path dir = tmp.resolve("dora");
        try (PeftModel<ToyModel.Net> peft = dora()) {
            peft.save(dir);
        }
        Path weights = dir.resolve(AdapterFiles.WEIGHTS);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (NDManager m = manager.newSubManager()) {
            try (Checkpoint file = Checkpoint.open(weights)) {
                for (String k : file.names()) {
                    NDArray a = file.load(k, m);
                    // a magnitude per input feature instead of per output feature
                    tensors.put(k, k.endsWith("lora_magnitude_vector") ? m.ones(new Shape(IN)) : m.create(a.toFloatArray(), a.getShape()));
                }
            }
            SafetensorsWriter.write(weights, tensors);
        }
        AdapterMismatchException e = assertThrows(AdapterMismatchException.class, () -> Peft.load(base, dir));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("base_model.model.embed.lora_magnitude_vector: file [6], model expects (8)"), e.getMessage());
    }
}
