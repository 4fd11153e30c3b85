package dev.mmpeft.datasets;

import dev.mmpeft.core.MultimodalExample;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Run in a forked JVM with a small heap by {@link JsonlHeapTest}: streams a JSONL file through the
 * reader, checks every record, and prints one line with the count and the peak heap.
 */
public final class JsonlHeapProbe {
    private JsonlHeapProbe() {}

    public static void main(String[] args) {
        long start = System.nanoTime();
        long count = 0;
        long answerSum = 0;
        try (DatasetStream stream = Jsonl.reader().root(Path.of(args[0])).open()) {
            Iterator<MultimodalExample> it = stream.iterator();
            while (it.hasNext()) {
                MultimodalExample e = it.next();
                count++;
                if (!e.id().equals(String.valueOf(count))) {
                    throw new AssertionError("record " + count + " has id " + e.id());
                }
                answerSum += e.answerIndex().orElseThrow();
            }
        }
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("records=%d answer_sum=%d peak_heap_mb=%.1f max_heap_mb=%.1f seconds=%.2f%n", count, answerSum,
                peak / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0, seconds);
    }
}
