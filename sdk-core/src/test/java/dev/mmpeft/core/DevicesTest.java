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
    void parsesDeviceSelectionsAsTheCommandLineTakesThem() {
        assertEquals(List.of(Devices.auto()), Devices.parse("auto"));
        assertEquals(List.of(Device.cpu()), Devices.parse(" CPU "));
        assertEquals(List.of(Device.gpu(0)), Devices.parse("gpu"));
        assertEquals(List.of(Device.gpu(2)), Devices.parse("gpu:2"));
        assertEquals(List.of(Device.gpu(0), Device.gpu(3)), Devices.parse("gpu:0,cuda:3"));
        for (String bad : new String[] {"tpu", "gpu:0,", "gpu:1,gpu:1", "cpu,gpu:0", "gpu:x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        // parsing does not check presence; require does, for every device of a list
        assertEquals(List.of(Device.cpu()), Devices.require(Devices.parse("cpu")));
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
            // the message names what is missing: this build loads the CPU-only libtorch from pytorch-native-cpu
            assertTrue(e.getMessage().startsWith("device gpu:0 is not available: this machine has 0 GPU(s) visible to the engine:"
                    + " the PyTorch library in use is a CPU-only build ("), e.getMessage());
            assertTrue(e.getMessage().contains("cpu-linux-x86_64"), e.getMessage());
            assertTrue(e.getMessage().endsWith("point PYTORCH_LIBRARY_PATH at a CUDA build's lib folder (with PYTORCH_VERSION=2.7.1"
                    + " PYTORCH_FLAVOR=cu128) or build with -Pcuda, see docs/training-and-devices.md"), e.getMessage());
            assertEquals(Device.cpu(), Devices.auto());
            MmpeftException all = assertThrows(MmpeftException.class, () -> Devices.parse("gpus"));
            assertTrue(all.getMessage().startsWith("device 'gpus' asks for every GPU, but this machine has 0 GPU(s)"), all.getMessage());
            assertThrows(MmpeftException.class, () -> Devices.require(List.of(Device.cpu(), Device.gpu(0))));
        } else {
            assertEquals(Devices.gpus(), Devices.all());
            assertFalse(Devices.all().contains(Device.cpu()));
            assertEquals(Device.gpu(gpus - 1), Devices.require(Device.gpu(gpus - 1)));
            MmpeftException e = assertThrows(MmpeftException.class, () -> Devices.require(Device.gpu(gpus)));
            assertTrue(e.getMessage().contains("valid: gpu:0 to gpu:" + (gpus - 1)), e.getMessage());
        }
    }
}
