package dev.mmpeft.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.train.internal.MixedPrecision;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.testing.TinyClassifier;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixed precision on the CPU: the loss scaler's arithmetic (GradScaler's schedule, exact
 * unscaling, checkpointed state), the refusals (bf16 anywhere, fp16 on the CPU, a model without
 * float16 support), and the float16 machinery itself run on the CPU through the test-only
 * {@code mmpeft.precision.allowCpu} switch: float32 masters, the model float32 again afterwards,
 * results close to a float32 run, resume state. The GPU runs are {@code GpuMixedPrecisionTest}.
 */
class MixedPrecisionTest {
    private static final List<TinyClassifier.Sample> TRAIN = TinyClassifier.data(64, 6, 3, 1);

    private static TinyClassifier tiny() {
        return new TinyClassifier(Device.cpu(), 6, 16, 3, 0f, 99, Set.copyOf(TinyClassifier.ALL));
    }

    @Test
    void lossScalerFollowsGradScalersScheduleAndUnscalesExactly() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {0.5f, -1.25f, 3f}).toType(DataType.FLOAT16, false);
            try (MixedPrecision mp = new MixedPrecision(Map.of("w", w), MixedPrecision.INIT_SCALE)) {
                assertEquals(DataType.FLOAT32, mp.masters().get("w").getDataType());
                assertArrayEquals(new float[] {0.5f, -1.25f, 3f}, mp.masters().get("w").toFloatArray());
                // a float16 gradient of a loss scaled by 2^16 comes back as float32 divided exactly
                float[] g = {1.5e-3f, -7.0e-5f, 2.0e-2f};
                NDArray scaled = m.create(g).mul(m.create(65536f)).toType(DataType.FLOAT16, false);
                float[] expected = scaled.toType(DataType.FLOAT32, false).div(m.create(65536f)).toFloatArray();
                Map<String, NDArray> unscaled = mp.unscale(Map.of("w", scaled), m);
                assertEquals(DataType.FLOAT32, unscaled.get("w").getDataType());
                assertArrayEquals(expected, unscaled.get("w").toFloatArray(), 0f);
                // an overflow halves the scale at once; growth needs 2000 clean steps in a row
                mp.update(false);
                assertEquals(32768.0, mp.scale());
                for (int i = 0; i < MixedPrecision.GROWTH_INTERVAL - 1; i++) {
                    mp.update(true);
                }
                assertEquals(32768.0, mp.scale());
                mp.update(true);
                assertEquals(65536.0, mp.scale());
                mp.update(true);
                ObjectNode state = Json.mapper().createObjectNode();
                mp.writeState(state);
                assertEquals(65536.0, state.get("loss_scale").asDouble());
                assertEquals(1, state.get("loss_scale_growth_tracker").asInt());
                assertEquals(1, state.get("loss_scale_overflows").asLong());
                try (MixedPrecision again = new MixedPrecision(Map.of("w", w), MixedPrecision.INIT_SCALE)) {
                    state.put("loss_scale", 1024.0);
                    again.readState(state);
                    assertEquals(1024.0, again.scale());
                    assertEquals(1, again.overflows());
                }
                // the masters go back into the float16 tensors, rounded to float16
                mp.masters().get("w").set(new float[] {1f / 3, 2f, -0.1f});
                mp.copyTo(Map.of("w", w));
                assertEquals(DataType.FLOAT16, w.getDataType());
                assertArrayEquals(m.create(new float[] {1f / 3, 2f, -0.1f}).toType(DataType.FLOAT16, false)
                        .toType(DataType.FLOAT32, false).toFloatArray(), w.toType(DataType.FLOAT32, false).toFloatArray(), 0f);
            }
        }
    }

    @Test
    void bf16IsRefusedWithTheEnginesReasonAndFp16OnTheCpuIsRefusedBeforeTouchingTheModel() {
        TrainingException bf16 = assertThrows(TrainingException.class, () -> Trainer.builder().mixedPrecision(Precision.BF16).build());
        assertEquals("mixedPrecision BF16: bf16 is not available: DJL 0.35.1's PyTorch engine has no bfloat16 type on any device"
                + " (its native dtype table ends at complex64 and asking for bfloat16 aborts the JVM); use fp16 (float16"
                + " compute, float32 master weights, dynamic loss scaling) on a GPU, or fp32", bf16.getMessage());
        assertEquals(Precision.BF16, Precision.parse("BFloat16"));
        assertEquals(Precision.FP16, Precision.parse("half"));

        try (TinyClassifier m = tiny()) {
            TrainingException cpu = assertThrows(TrainingException.class, () -> Trainer.builder().listeners()
                    .mixedPrecision(Precision.FP16).build().fit(m, TRAIN));
            assertEquals("mixedPrecision FP16 needs a GPU, but this run trains on [cpu] (float16 matmul on the CPU is slower"
                    + " than float32, not faster); use FP32 on the CPU, or load the model on a GPU", cpu.getMessage());
            assertEquals(DataType.FLOAT32, m.dataType());
        }
    }

    @Test
    void aModelWithoutFloat16SupportIsRefusedByName() {
        TrainableModel<TinyClassifier.Sample> plain = new TrainableModel<>() {
            private final TinyClassifier inner = tiny();

            @Override
            public Map<String, ai.djl.nn.Parameter> trainableParameters() {
                return inner.trainableParameters();
            }

            @Override
            public NDArray loss(List<TinyClassifier.Sample> batch, NDManager scope) {
                return inner.loss(batch, scope);
            }

            @Override
            public void setTraining(boolean training) {
                inner.setTraining(training);
            }

            @Override
            public void saveTrainable(Path directory) {}
        };
        System.setProperty(MixedPrecision.ALLOW_HALF_ON_CPU, "true");
        try {
            TrainingException e = assertThrows(TrainingException.class, () -> Trainer.builder().listeners()
                    .mixedPrecision(Precision.FP16).build().fit(plain, TRAIN));
            assertTrue(e.getMessage().endsWith(" cannot compute in fp16 (it does not implement TrainableModel.computeIn);"
                    + " train it with mixedPrecision(FP32)"), e.getMessage());
        } finally {
            System.clearProperty(MixedPrecision.ALLOW_HALF_ON_CPU);
        }
    }

    @Test
    void float16TrainingKeepsFloat32MastersAndEndsCloseToFloat32(@TempDir Path tmp) {
        Map<String, float[]> fp32;
        try (TinyClassifier m = tiny()) {
            Trainer.builder().listeners().optimizer(AdamW.lr(0.01)).epochs(2).batchSize(8).clipGradNorm(1.0).build().fit(m, TRAIN);
            fp32 = m.snapshot();
        }
        System.setProperty(MixedPrecision.ALLOW_HALF_ON_CPU, "true");
        try (TinyClassifier m = tiny()) {
            Map<String, float[]> before = m.snapshot();
            TrainingResult r = Trainer.builder().listeners().optimizer(AdamW.lr(0.01)).epochs(2).batchSize(8).clipGradNorm(1.0)
                    .mixedPrecision(Precision.FP16).outputDir(tmp.resolve("run")).build().fit(m, TRAIN);
            assertEquals(16, r.steps());
            // after fit the model is float32 again and holds the masters, not float16-rounded values
            assertEquals(DataType.FLOAT32, m.dataType());
            Map<String, float[]> fp16 = m.snapshot();
            double maxDiff = 0;
            int notHalfRepresentable = 0;
            for (String k : fp32.keySet()) {
                float[] a = fp32.get(k);
                float[] b = fp16.get(k);
                for (int i = 0; i < a.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                    notHalfRepresentable += halfRound(b[i]) != b[i] ? 1 : 0;
                }
                assertTrue(!java.util.Arrays.equals(before.get(k), b), k + " was trained");
            }
            // 16 AdamW steps of lr 0.01 move weights by up to ~0.16; float16 compute stays within a few 1e-3 of float32
            assertTrue(maxDiff < 5e-3, "max |fp16 - fp32| = " + maxDiff);
            assertTrue(notHalfRepresentable > 0, "the final weights are float32 masters, not float16 values");
            JsonNode state = Json.read(tmp.resolve("run/checkpoint/trainer_state.json"));
            assertEquals("fp16", state.get("precision").asText());
            assertEquals(MixedPrecision.INIT_SCALE, state.get("loss_scale").asDouble());
            assertEquals(16, state.get("loss_scale_growth_tracker").asInt());

            // a float16 checkpoint does not resume as a float32 run
            TrainingException mismatch = assertThrows(TrainingException.class, () -> Trainer.builder().listeners()
                    .optimizer(AdamW.lr(0.01)).epochs(2).batchSize(8).clipGradNorm(1.0).outputDir(tmp.resolve("run")).build()
                    .fit(m, TRAIN));
            assertTrue(mismatch.getMessage().endsWith("trainer_state.json: field 'precision' is 'fp16' but this run uses fp32;"
                    + " resume with the same precision or use another outputDir"), mismatch.getMessage());
        } finally {
            System.clearProperty(MixedPrecision.ALLOW_HALF_ON_CPU);
        }
    }

    /** {@code x} rounded to the nearest float16 value. */
    private static float halfRound(float x) {
        try (NDManager m = NDManager.newBaseManager()) {
            return m.create(new float[] {x}).toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false).toFloatArray()[0];
        }
    }

    @Test
    void theTrainerTrainsWhereTheModelLivesUnlessToldOtherwise(@TempDir Path tmp) {
        try (TinyClassifier m = tiny()) {
            Trainer.builder().listeners().epochs(1).batchSize(16).outputDir(tmp).build().fit(m, TRAIN);
            JsonNode config = Json.read(tmp.resolve("provenance.json")).get("config");
            assertEquals("[\"cpu\"]", config.get("devices").toString());
            assertEquals("fp32", config.get("precision").asText());
            assertEquals(List.of(), Trainer.builder().build().devices());
            Map<String, Object> described = new LinkedHashMap<>(Trainer.builder().build().describe());
            assertEquals("the model's", described.get("devices"));
        }
    }
}
