package dev.mmpeft.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.Devices;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.testing.TinyClassifier;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Float16 mixed precision on GPUs: the same run in fp16 and fp32 on one GPU ends close, the model
 * is float32 afterwards; data parallel in fp16 over every GPU equals one GPU's fp16 run. Skipped,
 * with the reason, without (enough) GPUs.
 */
class GpuMixedPrecisionTest {
    private static final List<TinyClassifier.Sample> TRAIN = TinyClassifier.data(64, 6, 3, 1);

    private static Map<String, float[]> train(List<Device> devices, Precision precision, List<Double> losses) {
        try (TinyClassifier m = new TinyClassifier(devices.get(0), 6, 16, 3, 0f, 99, Set.copyOf(TinyClassifier.ALL))) {
            TrainingResult r = Trainer.builder().listeners().optimizer(AdamW.lr(0.01)).epochs(2).batchSize(8).clipGradNorm(1.0)
                    .devices(devices).mixedPrecision(precision).build().fit(m, TRAIN);
            losses.addAll(r.losses());
            assertEquals(DataType.FLOAT32, m.dataType());
            return m.snapshot();
        }
    }

    @Test
    void fp16OnOneGpuEndsCloseToFp32() {
        Assumptions.assumeTrue(Devices.gpuCount() > 0, "needs a GPU: none present");
        List<Double> l32 = new java.util.ArrayList<>();
        List<Double> l16 = new java.util.ArrayList<>();
        Map<String, float[]> a = train(List.of(Device.gpu(0)), Precision.FP32, l32);
        Map<String, float[]> b = train(List.of(Device.gpu(0)), Precision.FP16, l16);
        for (String k : a.keySet()) {
            for (int i = 0; i < a.get(k).length; i++) {
                assertEquals(a.get(k)[i], b.get(k)[i], 5e-3, k + "[" + i + "]");
            }
        }
        double last32 = l32.get(l32.size() - 1);
        double last16 = l16.get(l16.size() - 1);
        assertTrue(Math.abs(last16 - last32) <= 0.02 * Math.abs(last32), "final loss fp16 " + last16 + " vs fp32 " + last32);
    }

    @Test
    void fp16DataParallelOverEveryGpuMatchesOneGpu() {
        Assumptions.assumeTrue(Devices.gpuCount() > 1, "needs two or more GPUs: " + Devices.gpuCount() + " present");
        Map<String, float[]> one = train(List.of(Device.gpu(0)), Precision.FP16, new java.util.ArrayList<>());
        Map<String, float[]> all = train(Devices.gpus(), Precision.FP16, new java.util.ArrayList<>());
        for (String k : one.keySet()) {
            for (int i = 0; i < one.get(k).length; i++) {
                assertEquals(one.get(k)[i], all.get(k)[i], 2e-3, k + "[" + i + "]");
            }
        }
    }
}
