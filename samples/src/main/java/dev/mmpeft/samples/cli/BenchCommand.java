package dev.mmpeft.samples.cli;

import dev.mmpeft.models.instructblip.InstructBlipPresets;
import dev.mmpeft.samples.bench.Bench;
import dev.mmpeft.samples.bench.BenchEpochs;
import dev.mmpeft.samples.bench.BenchSettings;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./mmpeft bench}: trains the "bench" InstructBLIP-FlanT5 (random weights, synthetic
 * inputs) with LoRA or full fine-tuning and prints one JSON line of timings, memory, parameter
 * counts and the fp32 matmul rate measured in the same run.
 */
@Command(
        name = "bench",
        header = "Benchmarks training steps of the \"bench\" InstructBLIP; prints one JSON line.",
        mixinStandardHelpOptions = true,
        description = {
            "Benchmark training of the 'bench' InstructBLIP-FlanT5 (vision 256x4, Q-Former 256x4, T5 256 4+4,"
                    + " 224 px, vocab 32128) on synthetic inputs; prints one JSON line.",
            "LoRA (rank R, alpha 2R) on every Q-Former linear and the T5 q, v, wi_0, wi_1, wo; or --full."
        })
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--full", description = "full fine-tuning of every tensor instead of LoRA")
    boolean full;

    @Option(names = "--rank", defaultValue = "2", description = "LoRA rank (default ${DEFAULT-VALUE}; alpha = 2 x rank)")
    int rank;

    @Option(names = "--steps", defaultValue = "8", description = "timed training steps after warm-up (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "untimed warm-up steps (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--batch", defaultValue = "8", description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--prompt", defaultValue = "64", description = "prompt tokens (default ${DEFAULT-VALUE})")
    int prompt;

    @Option(names = "--answer", defaultValue = "8", description = "answer tokens (default ${DEFAULT-VALUE})")
    int answer;

    @Option(names = "--epochs", defaultValue = "0",
            description = "epoch benchmark instead: a Q-Former-target LoRA trained this many epochs over fixed examples,"
                    + " without and then with the frozen-feature cache (default ${DEFAULT-VALUE}: the step benchmark)")
    int epochs;

    @Option(names = "--examples", defaultValue = "0",
            description = "examples per epoch of the epoch benchmark (default: 4 x --batch)")
    int examples;

    @CommandLine.Mixin DeviceOption device;

    @CommandLine.Mixin PrecisionOption precision;

    @Override
    public Integer call() {
        dev.mmpeft.core.Device on = device.single();
        dev.mmpeft.core.train.Precision compute = precision.on(java.util.List.of(on));
        if (rank < 1 || steps < 1 || warmup < 0 || batch < 1 || prompt < 1 || answer < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--rank, --steps, --batch, --prompt and --answer must be >= 1 and --warmup >= 0");
        }
        BenchSettings s = new BenchSettings(InstructBlipPresets.bench(), full, rank, 2.0 * rank, steps, warmup, batch, prompt, answer, 0, 2048,
                on, compute);
        if (epochs < 0 || examples < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--epochs and --examples must be >= 0");
        }
        int perEpoch = examples == 0 ? 4 * batch : examples;
        if (epochs > 0 && perEpoch < batch) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--examples " + perEpoch + " is fewer than one batch (--batch " + batch + ")");
        }
        String line = epochs > 0 ? BenchEpochs.run(s, epochs, perEpoch).toJsonLine() : Bench.run(s).toJsonLine();
        PrintWriter out = spec.commandLine().getOut();
        out.println(line);
        out.flush();
        return 0;
    }
}
