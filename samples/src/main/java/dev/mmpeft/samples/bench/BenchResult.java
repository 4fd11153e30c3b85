package dev.mmpeft.samples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The numbers of one benchmark run ({@code mode}: the PEFT method or {@code full}; {@code size}: a
 * non-LoRA method's size, {@code s=8}, {@code vt=10}). Times are medians in seconds; {@code fbGflops} is the
 * analytic forward+backward FLOP count ({@link BenchFlops}) over the measured forward+backward
 * time, and {@code fbVsMatmul} its ratio to the matmul rate measured in the same run.
 * {@code plainForwardS} is the forward of the same model with the adapters disabled, timed
 * alternately with {@code forwardS} (-1 for full fine-tuning), so {@code forward_vs_plain} is what
 * the adapter costs the forward pass.
 * {@code ompWaitPolicy} is the OpenMP wait policy the engine ran with ("default" when unset): it
 * moves step times by 10-20%, so runs compare only under the same one. On a GPU,
 * {@code peakGpuMb} is the most device memory in use after any training step (cudaMemGetInfo:
 * includes PyTorch's cache); -1 on the CPU. {@code finalLoss} is the training loss of the last
 * step (warm-up plus timed steps), to compare precisions on the same batches.
 */
public record BenchResult(
        String mode,
        String size,
        int rank,
        double alpha,
        int batch,
        int promptTokens,
        int answerTokens,
        int steps,
        double trainStepS,
        double forwardS,
        double plainForwardS,
        double forwardBackwardS,
        double samplesPerS,
        long peakRssMb,
        long paramsTotal,
        long paramsTrainable,
        double matmulGflops,
        double forwardGflop,
        double forwardBackwardGflop,
        double fbGflops,
        int intraOpThreads,
        String ompWaitPolicy,
        String device,
        String precision,
        long peakGpuMb,
        double finalLoss,
        boolean activationCheckpointing) {

    /** The one JSON line {@code ./mmpeft bench} prints. */
    public String toJsonLine() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("mode", mode);
        if (!size.isEmpty()) {
            n.put("size", size);
        }
        if (rank > 0) {
            n.put("rank", rank);
            n.put("alpha", alpha);
        }
        n.put("batch", batch);
        n.put("prompt_tokens", promptTokens);
        n.put("answer_tokens", answerTokens);
        n.put("timed_steps", steps);
        n.put("train_step_s", round(trainStepS, 4));
        n.put("forward_s", round(forwardS, 4));
        if (plainForwardS > 0) {
            n.put("plain_forward_s", round(plainForwardS, 4));
            n.put("forward_vs_plain", round(forwardS / plainForwardS, 3));
        }
        n.put("forward_backward_s", round(forwardBackwardS, 4));
        n.put("samples_per_s", round(samplesPerS, 3));
        n.put("peak_rss_mb", peakRssMb);
        n.put("params_total", paramsTotal);
        n.put("params_trainable", paramsTrainable);
        n.put("matmul_gflops", round(matmulGflops, 1));
        n.put("forward_gflop", round(forwardGflop, 2));
        n.put("forward_backward_gflop", round(forwardBackwardGflop, 2));
        n.put("forward_backward_gflops", round(fbGflops, 1));
        n.put("forward_backward_vs_matmul", round(fbGflops / matmulGflops, 3));
        n.put("intra_op_threads", intraOpThreads);
        n.put("omp_wait_policy", ompWaitPolicy);
        n.put("device", device);
        n.put("precision", precision);
        if (activationCheckpointing) {
            n.put("activation_checkpointing", true);
        }
        if (peakGpuMb >= 0) {
            n.put("peak_gpu_mb", peakGpuMb);
        }
        n.put("final_loss", round(finalLoss, 5));
        return n.toString();
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
