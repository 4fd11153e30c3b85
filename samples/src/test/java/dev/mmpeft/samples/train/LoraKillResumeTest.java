package dev.mmpeft.samples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.samples.cli.MmpeftCli;
import dev.mmpeft.samples.quickstart.DefaultModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real LoRA run of the embedded InstructBLIP ({@code ./mmpeft train} with dropout, AdamW, linear
 * decay, validation and early stopping, a checkpoint every 2 steps) is killed with SIGKILL twice in
 * the middle of an epoch and resumed with {@code --resume}; its adapter file must be byte for byte
 * the one an uninterrupted run (in the test's JVM) writes. Killed and resumed runs are JVMs of their own
 * with the test's thread settings.
 */
class LoraKillResumeTest {
    /** 64 training examples at batch 8: 8 optimizer steps per epoch, 2 epochs. */
    private static final int STEPS_PER_EPOCH = 8;

    @TempDir static Path cache;

    @BeforeAll
    static void isolateCache() {
        System.setProperty("mmpeft.cache", cache.toString());
    }

    private static List<String> trainArgs(Path model, Path data, Path out) {
        return List.of("train", "--model", model.toString(), "--data", data.toString(), "--output", out.toString(),
                "--target", "QFORMER_CROSS_ATTN,LLM_FFN", "--rank", "2", "--dropout", "0.1", "--lr", "5e-3",
                "--epochs", "2", "--batch-size", "8", "--patience", "2", "--checkpoint-every", "2", "--device", "cpu",
                "--resume");
    }

    private static Process start(List<String> args, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-Doffline=true", "-Dai.djl.pytorch.num_threads=1",
                "-cp", System.getProperty("java.class.path"), MmpeftCli.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        return pb.start();
    }

    private static void runToEnd(List<String> args, Path log) throws Exception {
        Process p = start(args, log);
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), "run did not finish; log " + Files.readString(log));
        assertEquals(0, p.exitValue(), Files.readString(log));
    }

    /**
     * The step of the run's resume checkpoint, or -1 while there is none (or it is being replaced).
     * A kill between the two renames of a folder swap leaves only the complete {@code .checkpoint.old}
     * sibling, which the resumed run puts back ({@code AtomicFiles.recoverDirectory}).
     */
    private static long checkpointStep(Path out) {
        for (String dir : new String[] {"checkpoint", ".checkpoint.old"}) {
            Path state = out.resolve("training").resolve(dir).resolve("trainer_state.json");
            try {
                if (Files.isRegularFile(state)) {
                    return Json.read(state).path("step").asLong(-1);
                }
            } catch (RuntimeException e) {
                return -1; // the folder was swapped between the check and the read
            }
        }
        return -1;
    }

    /** Starts a run and SIGKILLs it as soon as its checkpoint reaches {@code atLeast}; returns the checkpoint's step after the kill. */
    private static long killAfterCheckpoint(List<String> args, Path out, long atLeast, Path log) throws Exception {
        Process p = start(args, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (checkpointStep(out) < atLeast) {
            assertTrue(p.isAlive(), "the run ended before checkpoint step " + atLeast + ": " + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "no checkpoint at step " + atLeast + " in time: " + Files.readString(log));
            Thread.sleep(5);
        }
        p.destroyForcibly(); // SIGKILL on Linux
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "killed run did not exit");
        // after the kill the checkpoint folder is complete (it may be the .old sibling a killed swap left; read puts it back)
        long step = -1;
        for (int i = 0; i < 200 && step < 0; i++) {
            step = checkpointStep(out);
            if (step < 0) {
                Thread.sleep(5);
            }
        }
        return step;
    }

    /** Runs the command line in this JVM, its output discarded. */
    private static final class InProcess {
        static void run(List<String> args) {
            picocli.CommandLine cl = MmpeftCli.commandLine();
            java.io.StringWriter out = new java.io.StringWriter();
            cl.setOut(new java.io.PrintWriter(out, true));
            cl.setErr(new java.io.PrintWriter(out, true));
            assertEquals(0, cl.execute(args.toArray(String[]::new)), out.toString());
        }
    }

    @Test
    void sigkillMidEpochThenResumeWritesTheSameAdapterBytes(@TempDir Path tmp) throws Exception {
        Path model = DefaultModel.directory();
        Path data = SyntheticDataset.builder().seed(7).variant(Variant.SHIFTED).train(64).val(8).test(8).imageSize(56)
                .choices(4).build().writeScienceQa(tmp.resolve("data"));
        Path straight = tmp.resolve("straight");
        Path killed = tmp.resolve("killed");

        // the uninterrupted run in this JVM (same thread settings as the children: one intra-op thread)
        InProcess.run(trainArgs(model, data, straight));

        long c1 = killAfterCheckpoint(trainArgs(model, data, killed), killed, 3, tmp.resolve("kill1.log"));
        long c2 = killAfterCheckpoint(trainArgs(model, data, killed), killed, c1 + 5, tmp.resolve("kill2.log"));
        assertTrue(c1 >= 3 && c2 >= c1 + 5, "checkpoints at " + c1 + " and " + c2);
        assertTrue(c1 % STEPS_PER_EPOCH != 0 || c2 % STEPS_PER_EPOCH != 0,
                "a kill must leave a mid-epoch checkpoint: " + c1 + ", " + c2);
        runToEnd(trainArgs(model, data, killed), tmp.resolve("resumed.log"));

        byte[] expected = Files.readAllBytes(straight.resolve("adapter/adapter_model.safetensors"));
        byte[] actual = Files.readAllBytes(killed.resolve("adapter/adapter_model.safetensors"));
        assertArrayEquals(expected, actual, "adapter_model.safetensors after two kills (checkpoints " + c1 + ", " + c2 + ")");
        assertEquals(Files.readString(straight.resolve("adapter/adapter_config.json")),
                Files.readString(killed.resolve("adapter/adapter_config.json")));
        // the adapter is the best validation's; the last step's tensors and optimizer state are the
        // final checkpoint's, so these cover every step after the second resume too
        for (String f : new String[] {"trainable.safetensors", "optimizer.safetensors"}) {
            assertArrayEquals(Files.readAllBytes(straight.resolve("training/checkpoint").resolve(f)),
                    Files.readAllBytes(killed.resolve("training/checkpoint").resolve(f)), "final checkpoint " + f);
        }

        JsonNode a = Json.read(straight.resolve("summary.json"));
        JsonNode b = Json.read(killed.resolve("summary.json"));
        assertEquals(a.get("accuracy").asDouble(), b.get("accuracy").asDouble());
        assertEquals(a.at("/training/steps").asLong(), b.at("/training/steps").asLong());
        assertEquals(a.at("/training/best_validation").asDouble(), b.at("/training/best_validation").asDouble());
        // the loss history the resumed run reports is the uninterrupted run's, step for step
        JsonNode sa = Json.read(straight.resolve("training/checkpoint/trainer_state.json"));
        JsonNode sb = Json.read(killed.resolve("training/checkpoint/trainer_state.json"));
        assertEquals(sa.get("losses"), sb.get("losses"));
        assertEquals(sa.get("best_step"), sb.get("best_step"));
        assertEquals(sa.get("last_validation"), sb.get("last_validation"));
        JsonNode prov = Json.read(killed.resolve("training/provenance.json"));
        assertEquals(c2, prov.get("resumed_from_step").asLong());
        System.out.println("killed with checkpoints at steps " + c1 + " and " + c2 + " (" + STEPS_PER_EPOCH
                + " per epoch); resumed adapter " + actual.length + " bytes, identical");
    }
}
