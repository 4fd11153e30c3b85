package dev.mmpeft.core;

import ai.djl.engine.Engine;
import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * The devices this JVM can compute on, as the engine reports them.
 *
 * <p>{@link #all()} is what training uses by default: every GPU when there are any (data
 * parallel), else the CPU. Asking for a GPU that is not there is an error, not a silent fallback.
 */
public final class Devices {
    private Devices() {}

    /** The CPU alone. */
    public static List<Device> cpu() {
        return ImmutableList.of(Device.cpu());
    }

    /** Number of GPUs the engine sees (0 without CUDA). */
    public static int gpuCount() {
        return Engine.getInstance().getGpuCount();
    }

    /** Every GPU, possibly none. */
    public static List<Device> gpus() {
        ImmutableList.Builder<Device> out = ImmutableList.builder();
        for (int i = 0; i < gpuCount(); i++) {
            out.add(Device.gpu(i));
        }
        return out.build();
    }

    /** Every GPU if there is one, else the CPU. */
    public static List<Device> all() {
        List<Device> gpus = gpus();
        return gpus.isEmpty() ? cpu() : gpus;
    }

    /**
     * Checks that a device exists on this machine.
     *
     * @return the device, when present (the CPU always is)
     * @throws MmpeftException naming the device and what the machine has
     */
    public static Device require(Device device) {
        if (device.isGpu() && device.index() >= gpuCount()) {
            throw new MmpeftException(
                    "device "
                            + device
                            + " is not available: this machine has "
                            + gpuCount()
                            + " GPU(s) visible to the engine"
                            + (gpuCount() == 0
                                    ? " (a CPU-only PyTorch engine, or no CUDA driver; use cpu, or see docs/training-and-devices.md)"
                                    : "; valid: gpu:0 to gpu:" + (gpuCount() - 1)));
        }
        return device;
    }
}
