package dev.mmpeft.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.Device;
import dev.mmpeft.core.Devices;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.testing.TinyClassifier;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The GPU paths: one GPU, and data parallelism over every GPU, each compared with the same run on
 * the CPU. Skipped, with the reason, on machines without (enough) GPUs.
 */
class GpuTrainingTest {
    private static final List<TinyClassifier.Sample> TRAIN = TinyClassifier.data(64, 6, 3, 1);

    private static Map<String, float[]> train(Device home, List<Device> devices) {
        TinyClassifier m = new TinyClassifier(home, 6, 16, 3, 0f, 99, Set.copyOf(TinyClassifier.ALL));
        Trainer.builder().listeners().optimizer(AdamW.lr(0.01)).epochs(2).batchSize(8).clipGradNorm(1.0)
                .devices(devices).build().fit(m, TRAIN);
        return m.snapshot();
    }

    private static void assertClose(Map<String, float[]> a, Map<String, float[]> b) {
        for (String k : a.keySet()) {
            for (int i = 0; i < a.get(k).length; i++) {
                assertEquals(a.get(k)[i], b.get(k)[i], 1e-4, k + "[" + i + "]");
            }
        }
    }

    @Test
    void oneGpuMatchesTheCpu() {
        Assumptions.assumeTrue(Devices.gpuCount() > 0, "needs a GPU: none present");
        assertClose(train(Device.cpu(), List.of(Device.cpu())), train(Device.gpu(0), List.of(Device.gpu(0))));
    }

    @Test
    void dataParallelOverEveryGpuMatchesOneDevice() {
        Assumptions.assumeTrue(Devices.gpuCount() > 1, "needs two or more GPUs: " + Devices.gpuCount() + " present");
        assertClose(train(Device.gpu(0), List.of(Device.gpu(0))), train(Device.gpu(0), Devices.gpus()));
    }

    @Test
    void askingForAMissingGpuIsAClearError() {
        int n = Devices.gpuCount();
        TinyClassifier m = new TinyClassifier(Device.cpu(), 6, 16, 3, 0f, 99, Set.copyOf(TinyClassifier.ALL));
        MmpeftException e = assertThrows(MmpeftException.class, () -> Trainer.builder().listeners()
                .devices(Device.gpu(n)).build().fit(m, TRAIN));
        assertTrue(e.getMessage().contains("gpu:" + n + " is not available"), e.getMessage());
    }
}
