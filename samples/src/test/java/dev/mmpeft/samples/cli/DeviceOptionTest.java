package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.Devices;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --device} and {@code --precision} on every command that computes: on a machine without a
 * GPU, asking for one is refused before anything is loaded, with exit 2 and one line that names
 * what is missing; bf16 and fp16-on-CPU are refused the same way.
 */
class DeviceOptionTest {
    /** The required flags of each command that takes --device (paths need not exist: the device is checked first). */
    private static Map<String, List<String>> commands(Path tmp) {
        String m = tmp.resolve("model").toString();
        String d = tmp.resolve("data").toString();
        String o = tmp.resolve("out").toString();
        Map<String, List<String>> c = new LinkedHashMap<>();
        c.put("train", List.of("--model", m, "--data", d, "--output", o));
        c.put("evaluate", List.of("--model", m, "--data", d));
        c.put("generate", List.of("--model", m, "--image", tmp.resolve("x.png").toString(), "--prompt", "hi"));
        c.put("forward", List.of("--model", m, "--inputs", tmp.resolve("in.safetensors").toString(), "--output", o));
        c.put("bench", List.of());
        c.put("sweep", List.of("--output", o));
        c.put("quickstart", List.of("--output", o));
        return c;
    }

    private static CliRunner run(String command, List<String> required, String... extra) {
        List<String> args = new ArrayList<>();
        args.add(command);
        args.addAll(required);
        args.addAll(List.of(extra));
        return CliRunner.run(args.toArray(String[]::new));
    }

    @Test
    void withoutAGpuEveryCommandRefusesDeviceGpuWithOneLineNamingWhatIsMissing(@TempDir Path tmp) {
        Assumptions.assumeTrue(Devices.gpuCount() == 0, "checks the refusal on a machine without a GPU; this one has "
                + Devices.gpuCount());
        for (Map.Entry<String, List<String>> c : commands(tmp).entrySet()) {
            String name = c.getKey();
            CliRunner r = run(name, c.getValue(), "--device", "gpu");
            assertEquals(2, r.code(), name + ": " + r);
            List<String> err = r.errLines();
            assertEquals(2, err.size(), name + ": one line plus the pointer to --help: " + r);
            assertTrue(err.get(0).startsWith("mmpeft " + name + ": --device gpu: device gpu:0 is not available:"
                    + " this machine has 0 GPU(s) visible to the engine: the PyTorch library in use is a CPU-only build ("), err.get(0));
            assertTrue(err.get(0).contains("PYTORCH_LIBRARY_PATH"), err.get(0));
            assertEquals("Try 'mmpeft " + name + " --help' for usage.", err.get(1));
            assertEquals("", r.out(), name + " printed nothing else");
        }
        CliRunner all = run("train", commands(tmp).get("train"), "--device", "gpus");
        assertEquals(2, all.code(), all.toString());
        assertTrue(all.errLines().get(0).startsWith("mmpeft train: --device gpus: device 'gpus' asks for every GPU, but this machine"
                + " has 0 GPU(s)"), all.toString());
    }

    @Test
    void badDeviceAndPrecisionValuesAreRefusedWithExitTwo(@TempDir Path tmp) {
        Map<String, List<String>> c = commands(tmp);
        CliRunner tpu = run("evaluate", c.get("evaluate"), "--device", "tpu");
        assertEquals(2, tpu.code(), tpu.toString());
        assertEquals("mmpeft evaluate: --device tpu: unknown device 'tpu'; expected auto, cpu, gpu, gpu:N, gpus or a list"
                + " such as gpu:0,gpu:1", tpu.errLines().get(0));

        CliRunner bf16 = run("train", c.get("train"), "--device", "cpu", "--precision", "bf16");
        assertEquals(2, bf16.code(), bf16.toString());
        assertTrue(bf16.errLines().get(0).startsWith("mmpeft train: --precision bf16: bf16 is not available: DJL 0.35.1's PyTorch"
                + " engine has no bfloat16 type on any device"), bf16.toString());

        CliRunner fp16 = run("bench", c.get("bench"), "--device", "cpu", "--precision", "fp16");
        assertEquals(2, fp16.code(), fp16.toString());
        assertEquals("mmpeft bench: --precision fp16: fp16 needs a GPU, but the run computes on [cpu]; use --precision fp32"
                + " on the CPU", fp16.errLines().get(0));

        CliRunner odd = run("quickstart", c.get("quickstart"), "--device", "cpu", "--precision", "fp8");
        assertEquals(2, odd.code(), odd.toString());
        assertEquals("mmpeft quickstart: --precision fp8: unknown precision 'fp8'; expected fp32, fp16 or bf16",
                odd.errLines().get(0));

        CliRunner twoForEval = run("generate", c.get("generate"), "--device", "gpu:0,gpu:1");
        assertEquals(2, twoForEval.code(), twoForEval.toString());
        assertTrue(twoForEval.errLines().get(0).startsWith("mmpeft generate: --device gpu:0,gpu:1: "), twoForEval.toString());
    }

    @Test
    void everyCommandThatComputesDocumentsTheDeviceOption(@TempDir Path tmp) {
        for (String name : commands(tmp).keySet()) {
            CliRunner help = CliRunner.run(name, "--help");
            assertEquals(0, help.code(), help.toString());
            assertTrue(help.out().contains("--device=DEVICE"), name + ": " + help.out());
            assertTrue(help.out().contains("auto (gpu:0 when the engine sees a GPU, else cpu)"), name + ": " + help.out());
        }
        for (String name : List.of("train", "quickstart", "sweep", "bench")) {
            assertTrue(CliRunner.run(name, "--help").out().contains("--precision=P"), name);
        }
    }
}
