package dev.mmpeft.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.safetensors.SafetensorsFile;
import dev.mmpeft.core.train.internal.ResumeCheckpoint;
import dev.mmpeft.core.train.testing.KillableRun;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a training JVM with SIGKILL mid-run (twice), resumes it, and compares the final trainable
 * tensors with those of an uninterrupted run in another JVM: equal within 1e-6, and the checkpoint
 * folder is complete and readable after every kill.
 */
class KillResumeTest {
    private static Process start(Path dir, long sleepMs) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx1g", "-Doffline=true", "-Dmmpeft.listeners=none", "-Dai.djl.pytorch.num_threads=1",
                "-cp", System.getProperty("java.class.path"), KillableRun.class.getName(), dir.toString(),
                Long.toString(sleepMs));
        pb.redirectErrorStream(true);
        return pb.start();
    }

    /** Reads the child's output until it has printed "step N" for N >= {@code until}, then kills it. */
    private static long killAfter(Process p, long until) throws Exception {
        long last = 0;
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("step ")) {
                    last = Long.parseLong(line.substring(5).trim());
                    if (last >= until) {
                        p.destroyForcibly(); // SIGKILL on Linux
                        break;
                    }
                }
            }
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "killed child did not exit");
        assertTrue(last >= until, "child ended before step " + until + ": " + lines);
        return last;
    }

    private static void runToEnd(Process p) throws Exception {
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child did not finish");
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("done"), output);
    }

    private static long checkpointStep(Path run) {
        try (NDManager m = NDManager.newBaseManager()) {
            Optional<ResumeCheckpoint> c = ResumeCheckpoint.read(run.resolve("checkpoint"), m);
            assertTrue(c.isPresent(), "no checkpoint after the kill");
            JsonNode s = c.get().state();
            // complete: all tensors present with the step's optimizer state
            assertEquals(5, c.get().trainable().size());
            assertEquals(10, c.get().optimizer().size());
            assertEquals(s.get("step").asLong(), s.get("losses").size());
            return s.get("step").asLong();
        }
    }

    @Test
    void sigkillThenResumeEqualsUninterrupted(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight");
        Path killed = tmp.resolve("killed");
        // the uninterrupted run: in this JVM (same code, same thread settings as the children)
        KillableRun.main(new String[] {straight.toString(), "0"});

        long k1 = killAfter(start(killed, 10), 11);
        long c1 = checkpointStep(killed.resolve("run"));
        assertTrue(c1 >= 10 && c1 <= k1 + 1, "checkpoint at " + c1 + " after kill at " + k1);
        long k2 = killAfter(start(killed, 10), c1 + 9);
        long c2 = checkpointStep(killed.resolve("run"));
        assertTrue(c2 > c1, "second run made progress: " + c1 + " -> " + c2);
        runToEnd(start(killed, 0));

        try (SafetensorsFile x = SafetensorsFile.open(straight.resolve("final.safetensors"));
                SafetensorsFile y = SafetensorsFile.open(killed.resolve("final.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(x.names(), y.names());
            for (String name : x.names()) {
                float[] u = x.load(name, m).toFloatArray();
                float[] v = y.load(name, m).toFloatArray();
                for (int i = 0; i < u.length; i++) {
                    assertEquals(u[i], v[i], 1e-6, name + "[" + i + "]");
                }
            }
        }
        JsonNode prov = dev.mmpeft.core.io.Json.read(killed.resolve("run/provenance.json"));
        assertEquals("completed", prov.get("status").asText());
        assertEquals(c2, prov.get("resumed_from_step").asLong());
        // no half-written folder is left under the real name, and only complete checkpoints remain
        try (var s = Files.list(killed.resolve("run"))) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertTrue(names.contains("checkpoint"), names.toString());
        }
        System.out.println("killed at steps " + k1 + " and " + k2 + ", resumed from " + c1 + " and " + c2
                + "; final tensors equal the uninterrupted run's");
    }
}
