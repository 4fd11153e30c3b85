package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.StandardMethods;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import dev.mmpeft.samples.bench.Bench;
import dev.mmpeft.samples.bench.BenchFlops;
import dev.mmpeft.samples.bench.BenchSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code ./mmpeft bench}: the run itself on a tiny InstructBLIP (the bench model takes minutes on
 * two cores; it is run by hand, see docs/benchmarks.md), its flags, and its FLOP count.
 */
class BenchCommandTest {
    @Test
    void loraRunOnATinyModelReportsRealNumbers() throws Exception {
        InstructBlipConfig tiny = InstructBlipPresets.tiny(true, 40, 40, null);
        String line = Bench.run(new BenchSettings(tiny, false, 2, 4, 1, 0, 2, 6, 3, 0, 256)).toJsonLine();
        JsonNode j = new ObjectMapper().readTree(line);
        assertEquals("lora", j.get("mode").asText());
        // LoRA r=2 on every Q-Former linear (2 layers, cross-attention on layer 0) and T5 q, v, wi_0, wi_1, wo:
        // Q-Former 2 x (4 x 32 + 4 x 40) + 4 x 32 = 704, T5 encoder 2 x 184, decoder 2 x 248 -> 1568 per rank
        assertEquals(2 * 1568, j.get("params_trainable").asLong());
        assertTrue(j.get("params_total").asLong() > j.get("params_trainable").asLong());
        for (String f : new String[] {"train_step_s", "forward_s", "plain_forward_s", "forward_backward_s", "samples_per_s", "matmul_gflops"}) {
            assertTrue(j.get(f).asDouble() > 0, f + " in " + line);
        }
        // the ratio of the unrounded times: within what rounding both to 4 decimals allows
        double f = j.get("forward_s").asDouble();
        double plain = j.get("plain_forward_s").asDouble();
        double ratio = j.get("forward_vs_plain").asDouble();
        assertTrue(ratio >= (f - 5e-5) / (plain + 5e-5) - 1e-3 && ratio <= (f + 5e-5) / (plain - 5e-5) + 1e-3, line);
        assertTrue(j.get("peak_rss_mb").asLong() > 100, line);
        // the side-by-side comparison refuses runs made under different OpenMP wait policies
        assertEquals(System.getenv().getOrDefault("OMP_WAIT_POLICY", "default"), j.get("omp_wait_policy").asText());
        assertEquals(Math.round(BenchFlops.forward(tiny, 2, 6, 3) / 1e7) / 100.0, j.get("forward_gflop").asDouble(), 0.011);
    }

    @Test
    void fullRunTrainsEveryTensor() throws Exception {
        InstructBlipConfig tiny = InstructBlipPresets.tiny(true, 40, 40, null);
        JsonNode j = new ObjectMapper().readTree(Bench.run(new BenchSettings(tiny, true, 2, 4, 1, 0, 2, 6, 3, 0, 256)).toJsonLine());
        assertEquals("full", j.get("mode").asText());
        assertEquals(j.get("params_total").asLong(), j.get("params_trainable").asLong());
        assertEquals(null, j.get("plain_forward_s"), "full fine-tuning has no adapter to disable");
    }

    @Test
    void activationCheckpointingRunSaysSoAndTrainsTheSameParameters() throws Exception {
        InstructBlipConfig tiny = InstructBlipPresets.tiny(true, 40, 40, null);
        BenchSettings lora = new BenchSettings(tiny, false, 2, 4, 1, 0, 2, 6, 3, 0, 256);
        JsonNode plain = new ObjectMapper().readTree(Bench.run(lora).toJsonLine());
        JsonNode checkpointed = new ObjectMapper().readTree(Bench.run(lora.withActivationCheckpointing(true)).toJsonLine());
        assertEquals(null, plain.get("activation_checkpointing"));
        assertTrue(checkpointed.get("activation_checkpointing").asBoolean(), checkpointed.toString());
        assertEquals(plain.get("params_trainable").asLong(), checkpointed.get("params_trainable").asLong());
        assertTrue(Double.isFinite(checkpointed.get("final_loss").asDouble()) && checkpointed.get("forward_backward_s").asDouble() > 0,
                checkpointed.toString());
    }

    /** One timed step of {@code method} on the tiny InstructBLIP-T5, as {@code ./mmpeft bench --method} builds it. */
    static JsonNode runMethod(FineTuning setting) throws Exception {
        InstructBlipConfig tiny = InstructBlipPresets.tiny(true, 40, 40, null);
        return new ObjectMapper().readTree(Bench.run(BenchCommand.methodSettings(tiny, setting, 2, 1, 0, 2, 6, 3, 256)).toJsonLine());
    }

    @Test
    void eachMethodRunsWithItsOwnSizeAndCount() throws Exception {
        // the tiny T5: d_model 16 = 4 heads x d_kv 4, d_ff 24, 2 + 2 layers (gated: wi_0, wi_1)
        JsonNode ia3 = runMethod(FineTuning.study(StandardMethods.IA3));
        assertEquals("ia3", ia3.get("mode").asText());
        assertEquals(3 * 2 * 2 * 16 + 2 * 2 * 24, ia3.get("params_trainable").asLong(), "k, v of 6 attention blocks; wo inputs of 4 FFNs");
        assertTrue(ia3.get("train_step_s").asDouble() > 0, ia3.toString());
        assertEquals(null, ia3.get("rank"), "IA3 has no rank");

        JsonNode adapter = runMethod(FineTuning.study(StandardMethods.ADAPTER));
        assertEquals("s=8", adapter.get("size").asText());
        assertEquals(4 * (2 * 16 * 8 + 8 + 16), adapter.get("params_trainable").asLong(), "Pfeiffer after the 4 feed-forwards");

        JsonNode prefix = runMethod(FineTuning.study(StandardMethods.PREFIX).toBuilder().virtualTokens(5).build());
        assertEquals("vt=5", prefix.get("size").asText());
        assertEquals(5 * 2 * 2 * 16, prefix.get("params_trainable").asLong(), "prompt_embeddings [vt, num_layers x 2 x 16]");

        JsonNode dora = runMethod(FineTuning.study(StandardMethods.DORA));
        assertEquals("dora", dora.get("mode").asText());
        assertEquals(2, dora.get("rank").asInt());
        // LoRA's 2 x 1568 plus one magnitude per output feature of each adapted linear: Q-Former 2 x (4 x 16
        // self-attention + 24 + 16 + 24 + 16 FFN) + 4 x 16 cross-attention, T5 encoder 2 x (16 + 16 + 24 + 24 + 16),
        // decoder 2 x (4 x 16 + 24 + 24 + 16)
        long magnitudes = 2 * (4 * 16 + 24 + 16 + 24 + 16) + 4 * 16 + 2 * (16 + 16 + 24 + 24 + 16) + 2 * (4 * 16 + 24 + 24 + 16);
        assertEquals(2 * 1568 + magnitudes, dora.get("params_trainable").asLong());
        // LoRA's targets reach into the Q-Former, so its backward pass goes through it; IA3's stops at the language model
        InstructBlipConfig tiny = InstructBlipPresets.tiny(true, 40, 40, null);
        double v = BenchFlops.vision(tiny.visionConfig(), 2);
        double q = BenchFlops.qformer(tiny, 2, 6);
        double l = BenchFlops.t5(tiny, 2, 6, 3);
        assertEquals(v + 2 * (q + l), BenchFlops.forwardBackward(tiny, 2, 6, 3, false, true), 1e-6);
        assertEquals(v + q + 2 * l, BenchFlops.forwardBackward(tiny, 2, 6, 3, false, false), 1e-6);
    }

    @Test
    void flopCountOfTheBenchModel() {
        // vision: 8 images x (patch conv + 4 layers) of 257 tokens, d 256, ff 1024
        double vision = 8 * (2.0 * 256 * 588 * 256 + 4 * (2.0 * 257 * (4 * 256 * 256 + 2 * 256 * 1024) + 4.0 * 257 * 257 * 256));
        assertEquals(vision, BenchFlops.vision(InstructBlipPresets.bench().visionConfig(), 8), 1);
    }

    @Test
    void badFlagsGiveOneLineAndExitCode2() {
        StringWriter err = new StringWriter();
        CommandLine cl = MmpeftCli.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(MmpeftCli.EXIT_USAGE, cl.execute("bench", "--rank", "0"));
        assertTrue(err.toString().startsWith("mmpeft bench: --rank, --steps, --batch, --prompt and --answer must be >= 1"), err.toString());
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("bench", "--help"));
        assertTrue(out.toString().contains("--full"), out.toString());
    }
}
