package dev.mmpeft.core;

import ai.djl.engine.Engine;
import com.google.common.collect.ImmutableList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * The devices this JVM can compute on, as the engine reports them.
 *
 * <p>Nothing picks several GPUs unless asked: the trainer trains where the model lives, and the
 * command line's default ({@link #auto()}) is one GPU when the engine sees one, else the CPU.
 * Asking for a GPU that is not there is an error, not a silent fallback.
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

    /** Every GPU if there is one, else the CPU (data parallel over all GPUs; ask for it explicitly). */
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
                            + " is not available: "
                            + (gpuCount() == 0
                                    ? missingGpus()
                                    : "this machine has " + gpuCount() + " GPU(s) visible to the engine; valid: gpu:0 to gpu:"
                                            + (gpuCount() - 1)));
        }
        return device;
    }

    /** The first GPU when the engine sees one, else the CPU: the command line's default. */
    public static Device auto() {
        return gpuCount() > 0 ? Device.gpu(0) : Device.cpu();
    }

    /**
     * Parses a device selection as the command line's {@code --device} takes it, without checking
     * that the devices exist ({@link #require(List)} does): {@code auto} ({@link #auto()}),
     * {@code cpu}, {@code gpu} (GPU 0), {@code gpu:N}, {@code gpus} (every GPU the engine sees,
     * data parallel), or a comma list such as {@code gpu:0,gpu:2}.
     *
     * @throws IllegalArgumentException naming the text and what is accepted
     */
    public static List<Device> parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("auto")) {
            return ImmutableList.of(auto());
        }
        if (t.equals("gpus") || t.equals("all")) {
            List<Device> gpus = gpus();
            if (gpus.isEmpty()) {
                throw new MmpeftException("device '" + text + "' asks for every GPU, but " + missingGpus());
            }
            return gpus;
        }
        List<Device> out = new ArrayList<>();
        for (String part : t.split(",", -1)) {
            try {
                out.add(Device.parse(part));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown device '" + text
                        + "'; expected auto, cpu, gpu, gpu:N, gpus or a list such as gpu:0,gpu:1", e);
            }
        }
        if (new LinkedHashSet<>(out).size() != out.size() || (out.size() > 1 && out.contains(Device.cpu()))) {
            throw new IllegalArgumentException("device list '" + text + "' must name distinct GPUs (the CPU trains alone)");
        }
        return ImmutableList.copyOf(out);
    }

    /**
     * Checks that every device exists.
     *
     * @return the devices
     * @throws MmpeftException naming the first missing device and what the machine has
     */
    public static List<Device> require(List<Device> devices) {
        devices.forEach(Devices::require);
        return devices;
    }

    /**
     * Why no GPU is usable, in one clause naming what is missing: a CUDA build of the PyTorch
     * library (the one loaded is CPU-only), or a visible CUDA device (the library has CUDA but the
     * driver reports none).
     */
    public static String missingGpus() {
        String library = loadedLibtorch();
        boolean cudaBuild = !library.isEmpty() && Files.exists(Path.of(library, System.mapLibraryName("torch_cuda")));
        String what = cudaBuild
                ? "no CUDA device is visible (the PyTorch library at " + library + " has CUDA, but the driver reports no GPU;"
                        + " check nvidia-smi and CUDA_VISIBLE_DEVICES)"
                : "the PyTorch library in use is a CPU-only build" + (library.isEmpty() ? "" : " (" + library + ")")
                        + "; point PYTORCH_LIBRARY_PATH at a CUDA build's lib folder (with PYTORCH_VERSION=2.7.1"
                        + " PYTORCH_FLAVOR=cu128) or build with -Pcuda, see docs/training-and-devices.md";
        return "this machine has 0 GPU(s) visible to the engine: " + what;
    }

    /** The folder of the libtorch the engine loaded, or empty when it cannot be told. */
    private static String loadedLibtorch() {
        try {
            Engine.getEngine("PyTorch");
            return ai.djl.pytorch.jni.LibUtils.getLibtorchPath();
        } catch (RuntimeException | LinkageError e) {
            return "";
        }
    }
}
