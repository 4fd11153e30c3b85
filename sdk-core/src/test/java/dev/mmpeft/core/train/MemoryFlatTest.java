package dev.mmpeft.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.train.testing.MemoryRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Resident memory after 2,000 steps of a tiny model is within 10% of that after 200 steps,
 * measured in a JVM of its own (so other tests' memory does not blur the reading).
 */
class MemoryFlatTest {
    @Test
    void residentMemoryStaysFlatOver2000Steps() throws Exception {
        Assumptions.assumeTrue(MemoryStats.residentMb().isPresent(), "needs /proc/self/status (Linux): not present");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // a small fixed heap and C1 only: the JVM's own growth (heap sizing, JIT) would blur the reading
        ProcessBuilder pb = new ProcessBuilder(java, "-Xms64m", "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Doffline=true", "-Dai.djl.pytorch.num_threads=1", "-Devery=20",
                "-cp", System.getProperty("java.class.path"), MemoryRun.class.getName())
                .redirectErrorStream(true);
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        Map<Long, Long> rss = new HashMap<>();
        output.lines().filter(l -> l.startsWith("rss ")).forEach(l -> {
            String[] f = l.split(" ");
            rss.put(Long.parseLong(f[1]), Long.parseLong(f[2]));
        });
        assertTrue(output.contains("steps 2000"), output);
        // the median of the five readings up to each point, so one noisy reading does not decide
        long at200 = median(rss, 200);
        long at2000 = median(rss, 2000);
        System.out.println("VmRSS after 200 steps: " + at200 + " MiB; after 2000 steps: " + at2000 + " MiB");
        assertTrue(at2000 <= at200 * 1.10, "RSS grew from " + at200 + " MiB to " + at2000 + " MiB: " + rss);
    }

    private static long median(Map<Long, Long> rss, long step) {
        long[] v = new long[5];
        for (int i = 0; i < 5; i++) {
            v[i] = rss.get(step - 20L * i);
        }
        java.util.Arrays.sort(v);
        return v[2];
    }
}
