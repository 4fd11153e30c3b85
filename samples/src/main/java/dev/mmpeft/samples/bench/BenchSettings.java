package dev.mmpeft.samples.bench;

import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.models.instructblip.InstructBlipPresets;

/**
 * What {@code ./mmpeft bench} runs: LoRA (rank, alpha) or full fine-tuning, timed steps after
 * warm-up, batch size, prompt and answer lengths, seed.
 */
public record BenchSettings(
        InstructBlipConfig config, boolean full, int rank, double alpha, int steps, int warmup, int batch,
        int promptTokens, int answerTokens, long seed, int matmulSize) {
    /**
     * The run: the "bench" model, LoRA r = 2, alpha 4; 8 timed steps after 2 warm-up;
     * batch 8; prompt 64 and answer 8 tokens; the fp32 matmul probe at 2048 x 2048.
     */
    public static BenchSettings defaults() {
        return new BenchSettings(InstructBlipPresets.bench(), false, 2, 4, 8, 2, 8, 64, 8, 0, 2048);
    }
}
