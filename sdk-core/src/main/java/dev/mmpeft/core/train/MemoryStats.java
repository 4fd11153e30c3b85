package dev.mmpeft.core.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Resident memory of this process as Linux reports it ({@code /proc/self/status}): {@code VmRSS}
 * now and {@code VmHWM}, the peak. Native tensors live outside the Java heap, so the JVM's own
 * numbers miss them; the kernel's do not.
 */
public final class MemoryStats {
    private MemoryStats() {}

    /** Resident set size in MiB, when the platform reports it. */
    public static OptionalLong residentMb() {
        return field("VmRSS:");
    }

    /** Peak resident set size in MiB, when the platform reports it. */
    public static OptionalLong peakResidentMb() {
        return field("VmHWM:");
    }

    /**
     * Memory in use on a GPU in MiB ({@code cudaMemGetInfo}: total minus free, so it includes
     * what PyTorch's caching allocator holds and other processes' use), when the device is a GPU
     * the CUDA runtime sees.
     */
    public static OptionalLong gpuUsedMb(dev.mmpeft.core.Device device) {
        if (!device.isGpu()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(ai.djl.util.cuda.CudaUtils.getGpuMemory(device.toDjl()).getUsed() / (1024 * 1024));
        } catch (RuntimeException | LinkageError e) {
            return OptionalLong.empty();
        }
    }

    private static OptionalLong field(String name) {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return OptionalLong.empty();
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]) / 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }
}
