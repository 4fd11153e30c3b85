package dev.mmpeft.core;

import java.util.Locale;
import java.util.Objects;

/**
 * A place where tensors live and compute runs: the CPU or one GPU.
 *
 * <p>A thin, comparable value over DJL's device so configurations, CLI flags and provenance can
 * name devices as text ({@code cpu}, {@code gpu:1}) without touching the engine.
 */
public final class Device {
    /** The kind of a device. */
    public enum Kind {
        CPU,
        GPU
    }

    private static final Device CPU = new Device(Kind.CPU, -1);

    private final Kind kind;
    private final int index;

    private Device(Kind kind, int index) {
        this.kind = kind;
        this.index = index;
    }

    /** The CPU. */
    public static Device cpu() {
        return CPU;
    }

    /** The GPU with the given CUDA index. */
    public static Device gpu(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("gpu index must be >= 0, got " + index);
        }
        return new Device(Kind.GPU, index);
    }

    /**
     * Parses {@code cpu}, {@code gpu} (GPU 0), {@code gpu:N} or {@code cuda:N}.
     *
     * @throws IllegalArgumentException for any other text
     */
    public static Device parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("cpu")) {
            return cpu();
        }
        if (t.equals("gpu") || t.equals("cuda")) {
            return gpu(0);
        }
        for (String prefix : new String[] {"gpu:", "cuda:"}) {
            if (t.startsWith(prefix)) {
                try {
                    return gpu(Integer.parseInt(t.substring(prefix.length())));
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        throw new IllegalArgumentException(
                "unknown device '" + text + "'; expected cpu, gpu, gpu:N or cuda:N");
    }

    /** Converts a DJL device. */
    public static Device fromDjl(ai.djl.Device device) {
        return device.isGpu() ? gpu(device.getDeviceId()) : cpu();
    }

    public Kind kind() {
        return kind;
    }

    /** The GPU index, or -1 for the CPU. */
    public int index() {
        return index;
    }

    public boolean isGpu() {
        return kind == Kind.GPU;
    }

    /** The DJL device this names. */
    public ai.djl.Device toDjl() {
        return isGpu() ? ai.djl.Device.gpu(index) : ai.djl.Device.cpu();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Device && ((Device) o).kind == kind && ((Device) o).index == index;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, index);
    }

    @Override
    public String toString() {
        return isGpu() ? "gpu:" + index : "cpu";
    }
}
