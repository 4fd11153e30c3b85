package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.Json;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./mmpeft loadtest}, a few seconds of it: a service on loopback over the embedded default
 * model and the demo adapters, four clients over four adapters (three LoRA, one IA3) while a fifth
 * is unloaded and loaded every second; no request fails, every answer equals the same request
 * served alone, and requests share batches. The 60 s run of the docs is the same command.
 */
class LoadtestCommandTest {
    @Test
    void aShortLoadOverFourAdaptersWithChurnHasNoErrorsAndNoCrossTalk(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("loadtest.json");
        CliRunner run = CliRunner.run("loadtest", "--clients", "4", "--seconds", "4", "--warmup-seconds", "1", "--churn-seconds", "1",
                "--request-tokens", "6", "--json", report.toString());
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.out().contains("isolation: 0 of "), run.out());
        JsonNode r = Json.read(report);
        assertEquals(4, r.path("clients").asInt());
        assertEquals(4, r.path("adapters").asInt());
        assertEquals(0, r.path("errors").asLong(), run.out());
        assertEquals(0, r.path("mismatches").asLong(), run.out());
        assertTrue(r.path("completed").asLong() >= 8, run.out());
        assertTrue(r.path("churnOperations").asInt() >= 2, run.out());
        assertEquals(0, r.path("churnFailures").asInt(), run.out());
        // the isolation check means something only when adapters answer differently
        assertTrue(r.path("distinctAnswersPerQuestion").asInt() >= 2, run.out());
        assertTrue(r.path("meanBatchSize").asDouble() > 1.0, "four clients never shared a batch: " + run.out());
        double p50 = r.path("p50Millis").asDouble();
        double p95 = r.path("p95Millis").asDouble();
        double p99 = r.path("p99Millis").asDouble();
        assertTrue(p50 > 0 && p50 <= p95 && p95 <= p99, run.out());
        assertEquals(r.path("completed").asDouble() / r.path("seconds").asDouble(), r.path("throughput").asDouble(), 1e-9);
    }
}
