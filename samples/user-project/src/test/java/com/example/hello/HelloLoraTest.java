package com.example.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.peft.ParameterReport;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HelloLoraTest {
    @Test
    void adaptsCountsRunsAndSaves(@TempDir Path tmp) throws Exception {
        ParameterReport report = HelloLora.run(tmp.resolve("adapter"));
        // tiny preset: Q-Former 16 wide (cross-attention on layer 0 of 2: query, key, value, output
        // dense, each 2 x (16 + 16)) and T5 16 wide with d_ff 24 (wi_0, wi_1, wo on 2 + 2 blocks)
        assertEquals(4 * 2 * (16 + 16) + 4 * 3 * 2 * (16 + 24), report.trainable());
        assertTrue(Files.isRegularFile(tmp.resolve("adapter/adapter_model.safetensors")));
        assertTrue(Files.readString(tmp.resolve("adapter/adapter_config.json")).contains("\"peft_type\" : \"LORA\""));
    }
}
