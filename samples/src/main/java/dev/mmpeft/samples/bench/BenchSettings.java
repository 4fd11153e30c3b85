package dev.mmpeft.samples.bench;

import dev.mmpeft.core.Device;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.train.Precision;
import dev.mmpeft.models.instructblip.InstructBlipPresets;

/**
 * What {@code ./mmpeft bench} runs: LoRA (rank, alpha) or full fine-tuning, timed steps after
 * warm-up, batch size, prompt and answer lengths, seed, and the device and precision it trains in.
 */
public record BenchSettings(
        InstructBlipConfig config, boolean full, int rank, double alpha, int steps, int warmup, int batch,
        int promptTokens, int answerTokens, long seed, int matmulSize, Device device, Precision precision) {
    /** On the CPU in float32. */
    public BenchSettings(InstructBlipConfig config, boolean full, int rank, double alpha, int steps, int warmup, int batch,
            int promptTokens, int answerTokens, long seed, int matmulSize) {
        this(config, full, rank, alpha, steps, warmup, batch, promptTokens, answerTokens, seed, matmulSize, Device.cpu(),
                Precision.FP32);
    }

    /**
     * The run: the "bench" model, LoRA r = 2, alpha 4; 8 timed steps after 2 warm-up;
     * batch 8; prompt 64 and answer 8 tokens; the fp32 matmul probe at 2048 x 2048.
     */
    public static BenchSettings defaults() {
        return new BenchSettings(InstructBlipPresets.bench(), false, 2, 4, 8, 2, 8, 64, 8, 0, 2048);
    }
}
