package dev.mmpeft.samples.bench;

import dev.mmpeft.core.Device;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.train.Precision;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import dev.mmpeft.peft.PeftConfig;
import java.util.Optional;

/**
 * What {@code ./mmpeft bench} runs: a PEFT method ({@code adapter}: LoRA r = rank, alpha on the
 * benchmark's targets by default, or IA3, a bottleneck adapter, prefix tuning, ...) or full
 * fine-tuning ({@code full}), timed steps after warm-up, batch size, prompt and answer lengths, seed,
 * the device and precision it trains in, and whether the trainer checkpoints activations.
 *
 * @param method the method's name in the JSON line ({@code lora}, {@code ia3}, ...; {@code full} with {@code full})
 * @param size the method's size as its tables write it ({@code s=8}, {@code vt=10}); empty for LoRA (rank and alpha say it) and IA3
 * @param adapter the PEFT configuration; empty for full fine-tuning
 */
public record BenchSettings(
        InstructBlipConfig config, boolean full, int rank, double alpha, int steps, int warmup, int batch,
        int promptTokens, int answerTokens, long seed, int matmulSize, String method, String size, Optional<PeftConfig> adapter,
        Device device, Precision precision, boolean activationCheckpointing) {
    /** LoRA (rank, alpha on {@link Bench#LORA_TARGETS}) or, with {@code full}, full fine-tuning; on the CPU in float32. */
    public BenchSettings(InstructBlipConfig config, boolean full, int rank, double alpha, int steps, int warmup, int batch,
            int promptTokens, int answerTokens, long seed, int matmulSize) {
        this(config, full, rank, alpha, steps, warmup, batch, promptTokens, answerTokens, seed, matmulSize, full ? "full" : "lora", "",
                full ? Optional.empty() : Optional.of(Bench.lora(rank, alpha, false, false)));
    }

    /** A PEFT method's run (or full fine-tuning with an empty {@code adapter}) on the CPU in float32, without activation checkpointing. */
    public BenchSettings(InstructBlipConfig config, boolean full, int rank, double alpha, int steps, int warmup, int batch,
            int promptTokens, int answerTokens, long seed, int matmulSize, String method, String size, Optional<PeftConfig> adapter) {
        this(config, full, rank, alpha, steps, warmup, batch, promptTokens, answerTokens, seed, matmulSize, method, size, adapter,
                Device.cpu(), Precision.FP32, false);
    }

    /** The same run on {@code on} in {@code compute}. */
    public BenchSettings on(Device on, Precision compute) {
        return new BenchSettings(config, full, rank, alpha, steps, warmup, batch, promptTokens, answerTokens, seed, matmulSize, method, size,
                adapter, on, compute, activationCheckpointing);
    }

    /** The same run with activation checkpointing on or off (the trainer's {@code activationCheckpointing}). */
    public BenchSettings withActivationCheckpointing(boolean on) {
        return new BenchSettings(config, full, rank, alpha, steps, warmup, batch, promptTokens, answerTokens, seed, matmulSize, method, size,
                adapter, device, precision, on);
    }

    /**
     * The run: the "bench" model, LoRA r = 2, alpha 4; 8 timed steps after 2 warm-up;
     * batch 8; prompt 64 and answer 8 tokens; the fp32 matmul probe at 2048 x 2048.
     */
    public static BenchSettings defaults() {
        return new BenchSettings(InstructBlipPresets.bench(), false, 2, 4, 8, 2, 8, 64, 8, 0, 2048);
    }
}
