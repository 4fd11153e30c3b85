package dev.mmpeft.datasets.open;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 acceptance: each open-format reader streams a 100,000-record file under a 64 MB heap. One
 * JVM is forked with {@code -Xmx64m} (a reader that held the records, or parsed a file as one tree,
 * would fail with OutOfMemoryError: the five files are over 100 MB together) and reads the five
 * generated datasets in turn, checking every example; the counts it prints are checked here.
 */
class OpenHeapTest {
    private static final int RECORDS = 100_000;

    @TempDir Path tmp;

    @Test
    void streams100kRecordsOfEachFormatUnder64MbHeap() throws Exception {
        List<String> args = new ArrayList<>();
        args.add("flickr30k=" + LargeOpenFiles.flickr30k(tmp.resolve("flickr30k"), RECORDS) + ":test");
        args.add("textcaps=" + LargeOpenFiles.textCaps(tmp.resolve("textcaps"), RECORDS) + ":train");
        args.add("okvqa=" + LargeOpenFiles.okVqa(tmp.resolve("okvqa"), RECORDS) + ":val");
        args.add("aokvqa=" + LargeOpenFiles.aOkVqa(tmp.resolve("aokvqa"), RECORDS) + ":val");
        args.add("textvqa=" + LargeOpenFiles.textVqa(tmp.resolve("textvqa"), RECORDS) + ":val");
        long bytes;
        try (var walk = Files.walk(tmp)) {
            bytes = walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx64m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), OpenHeapProbe.class.getName()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, "the probe did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        // examples, answers and the sum of answer indices each format must produce
        long aOkVqaIndexSum = (long) (RECORDS / 4) * (0 + 1 + 2 + 3);
        String[][] expected = {
            {"flickr30k", "100000", "500000", "0"},
            {"textcaps", "100000", "100000", "0"},
            {"okvqa", "100000", "1000000", "0"},
            {"aokvqa", "100000", "1000000", String.valueOf(aOkVqaIndexSum)},
            {"textvqa", "100000", "1000000", "0"}};
        for (String[] e : expected) {
            Matcher m = Pattern.compile("format=" + e[0] + " examples=(\\d+) answers=(\\d+) answer_index_sum=(\\d+)").matcher(out);
            assertTrue(m.find(), out);
            assertEquals(e[1], m.group(1), e[0] + ": " + out);
            assertEquals(e[2], m.group(2), e[0] + ": " + out);
            assertEquals(e[3], m.group(3), e[0] + ": " + out);
        }
        Matcher heap = Pattern.compile("peak_heap_mb=([0-9.]+) max_live_after_gc_mb=([0-9.]+)").matcher(out);
        assertTrue(heap.find(), out);
        assertTrue(Double.parseDouble(heap.group(1)) <= 64, out);
        assertTrue(Double.parseDouble(heap.group(2)) < 48, "what the readers keep must leave room: " + out);
        System.out.println("open-format heap probe (" + bytes / 1048576 + " MB of JSON):\n" + out.strip());
    }
}
