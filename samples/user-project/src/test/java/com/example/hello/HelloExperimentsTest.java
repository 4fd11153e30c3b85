package com.example.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.experiments.Sweep;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HelloExperimentsTest {
    @Test
    void sweepsAGridAndFitsThroughTheSdkOnly(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        HelloExperiments.Results r = HelloExperiments.run(tmp, new PrintStream(log, true, StandardCharsets.UTF_8));

        assertEquals(List.of("zero-shot", "lora-qformer_cross_attn-r1", "lora-llm_ffn-r1"),
                r.sweep().cells().stream().map(Sweep.Cell::setting).toList());
        assertEquals(3, r.sweep().ran());
        for (Sweep.Cell c : r.sweep().cells()) {
            assertTrue(c.accuracy() >= 0 && c.accuracy() <= 100, c.toString());
        }
        assertTrue(r.sweep().cells().get(1).trainableParameters() > 0);
        Path sweep = tmp.resolve("sweep");
        assertEquals(3, Files.readAllLines(sweep.resolve("runs.csv")).size(), "header and the two LoRA cells");
        assertTrue(Files.isRegularFile(sweep.resolve("accuracy-vs-parameters.png")));
        assertTrue(Files.isRegularFile(sweep.resolve("cells/lora-llm_ffn-r1/adapter/adapter_model.safetensors")));

        // 16 training examples in batches of 8 for 2 epochs; validation each epoch on the 4 val examples
        assertEquals(4, r.training().steps());
        assertTrue(r.training().bestValue().isPresent(), "validated through the model and the evaluator each epoch");
        assertEquals("scienceqa", r.fineTuned().evaluator());
        assertEquals(6, r.fineTuned().records().size());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("fit: 4 steps, test accuracy"));
    }
}
