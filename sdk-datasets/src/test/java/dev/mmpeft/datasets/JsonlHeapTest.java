package dev.mmpeft.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5 acceptance: streaming 100,000 generated JSONL records keeps the heap under 256 MB. A
 * JVM is forked with {@code -Xmx32m}, far below that (a reader that held records would fail with
 * OutOfMemoryError), streams and checks every record, and reports its peak heap, which is
 * asserted below 256 MB and printed for the report.
 */
class JsonlHeapTest {
    private static final long RECORDS = 100_000;

    @TempDir Path tmp;

    @Test
    void streams100kRecordsUnder256MbHeap() throws Exception {
        SyntheticDataset d = SyntheticDataset.builder().seed(3).train(32).val(0).test(0).imageSize(32).build();
        Path file = d.writeJsonlPool(tmp.resolve("big/train.jsonl"), RECORDS, 32);
        long expectedAnswers = 0;
        for (int k = 0; k < RECORDS; k++) {
            expectedAnswers += d.record("train", k % 32).answer();
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-Xmx32m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), JsonlHeapProbe.class.getName(), file.toString()))
                .redirectErrorStream(true)
                .start();
        String out;
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, "the probe did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        Matcher m = Pattern.compile("records=(\\d+) answer_sum=(\\d+) peak_heap_mb=([0-9.]+)").matcher(out);
        assertTrue(m.find(), out);
        assertEquals(RECORDS, Long.parseLong(m.group(1)), out);
        assertEquals(expectedAnswers, Long.parseLong(m.group(2)), out);
        double peakMb = Double.parseDouble(m.group(3));
        System.out.println("JSONL heap probe: " + out.strip() + " (file " + Files.size(file) / 1048576 + " MB)");
        assertTrue(peakMb < 256, "peak heap " + peakMb + " MB");
    }
}
