package dev.mmpeft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DevicesTest {
    @Test
    void parsesDeviceNames() {
        assertSame(Device.cpu(), Device.parse("cpu"));
        assertSame(Device.cpu(), Device.parse(" CPU "));
        assertEquals(Device.gpu(0), Device.parse("gpu"));
        assertEquals(Device.gpu(0), Device.parse("cuda"));
        assertEquals(Device.gpu(3), Device.parse("gpu:3"));
        assertEquals(Device.gpu(1), Device.parse("CUDA:1"));
        assertEquals("gpu:3", Device.gpu(3).toString());
        assertEquals("cpu", Device.cpu().toString());
        assertEquals(Device.Kind.GPU, Device.gpu(2).kind());
        assertEquals(2, Device.gpu(2).index());
        assertEquals(-1, Device.cpu().index());
        for (String bad : new String[] {"tpu", "gpu:", "gpu:x", "gpu:-1", "cuda:1.5", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'") || e.getMessage().contains("must be >= 0"), e.getMessage());
        }
    }

    @Test
    void convertsToAndFromDjl() {
        assertEquals(ai.djl.Device.cpu(), Device.cpu().toDjl());
        assertEquals(ai.djl.Device.gpu(1), Device.gpu(1).toDjl());
        assertEquals(Device.gpu(1), Device.fromDjl(ai.djl.Device.gpu(1)));
        assertSame(Device.cpu(), Device.fromDjl(ai.djl.Device.cpu()));
    }

    @Test
    void theCpuIsAlwaysThereAndGpusOnlyWhenTheEngineSeesThem() {
        assertEquals(List.of(Device.cpu()), Devices.cpu());
        assertSame(Device.cpu(), Devices.require(Device.cpu()));
        int gpus = Devices.gpuCount();
        assertEquals(gpus, Devices.gpus().size());
        if (gpus == 0) {
            // this machine: CPU engine, no GPU; training falls back to the CPU, a GPU request fails loudly
            assertEquals(List.of(Device.cpu()), Devices.all());
            MmpeftException e = assertThrows(MmpeftException.class, () -> Devices.require(Device.gpu(0)));
            assertEquals("device gpu:0 is not available: this machine has 0 GPU(s) visible to the engine"
                    + " (a CPU-only PyTorch engine, or no CUDA driver; use cpu, or see docs/training-and-devices.md)", e.getMessage());
        } else {
            assertEquals(Devices.gpus(), Devices.all());
            assertFalse(Devices.all().contains(Device.cpu()));
            assertEquals(Device.gpu(gpus - 1), Devices.require(Device.gpu(gpus - 1)));
            MmpeftException e = assertThrows(MmpeftException.class, () -> Devices.require(Device.gpu(gpus)));
            assertTrue(e.getMessage().contains("valid: gpu:0 to gpu:" + (gpus - 1)), e.getMessage());
        }
    }
}
