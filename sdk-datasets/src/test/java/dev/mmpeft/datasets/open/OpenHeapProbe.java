package dev.mmpeft.datasets.open;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.datasets.DatasetReader;
import dev.mmpeft.datasets.DatasetReaders;
import dev.mmpeft.datasets.DatasetStream;
import dev.mmpeft.datasets.ImageCheck;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Run in a forked JVM with a 64 MB heap by {@link OpenHeapTest}: streams each format's generated
 * file (arguments {@code FORMAT=DIR:SPLIT}), checks every example as it goes, and prints one line
 * per format with its counts and a final line with the peak heap of the whole run and the most
 * heap found in use after a collection (sampled every 5,000 examples).
 */
public final class OpenHeapProbe {
    private OpenHeapProbe() {}

    private static long maxLive;

    /** The heap in use right after the last collection: what the reader really keeps, unlike the peak of a full heap. */
    private static long liveAfterLastGc() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                used += pool.getCollectionUsage().getUsed();
            }
        }
        return used;
    }

    public static void main(String[] args) {
        for (String arg : args) {
            String format = arg.substring(0, arg.indexOf('='));
            String rest = arg.substring(arg.indexOf('=') + 1);
            Path dir = Path.of(rest.substring(0, rest.lastIndexOf(':')));
            String split = rest.substring(rest.lastIndexOf(':') + 1);
            long start = System.nanoTime();
            DatasetReader reader = DatasetReaders.forFormat(format).root(dir).split(split);
            if (format.equals("flickr30k")) {
                reader = reader.imageCheck(ImageCheck.NONE); // every photo is its own file; none are written
            }
            long count = 0;
            long answers = 0;
            long answerIndexSum = 0;
            try (DatasetStream stream = reader.open()) {
                Iterator<MultimodalExample> it = stream.iterator();
                while (it.hasNext()) {
                    MultimodalExample e = it.next();
                    count++;
                    if (e.images().size() != 1 || e.answers().isEmpty()) {
                        throw new AssertionError(format + " example " + e.id() + " lacks its image or answers");
                    }
                    answers += e.answers().size();
                    answerIndexSum += e.answerIndex().orElse(0);
                    if (count % 5000 == 0) {
                        maxLive = Math.max(maxLive, liveAfterLastGc());
                    }
                }
            }
            System.out.printf("format=%s examples=%d answers=%d answer_index_sum=%d seconds=%.2f%n", format, count, answers,
                    answerIndexSum, (System.nanoTime() - start) / 1e9);
        }
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf("peak_heap_mb=%.1f max_live_after_gc_mb=%.1f max_heap_mb=%.1f%n", peak / 1048576.0,
                maxLive / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0);
    }
}
