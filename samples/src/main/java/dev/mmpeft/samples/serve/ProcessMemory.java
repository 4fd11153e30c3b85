package dev.mmpeft.samples.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The resident set size of this process (what the OS holds in RAM for it: Java heap, native
 * PyTorch memory, code), read from {@code /proc/self/status} on Linux. Why RSS and not the heap:
 * the model's tensors live outside the Java heap, so a leak of arrays shows only here.
 */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** Bytes resident now; -1 where {@code /proc} is not available. */
    public static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
