package dev.mmpeft.samples.cli;

import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.experiments.AdaptationMethod;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.MethodOption;
import dev.mmpeft.experiments.StandardMethods;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import dev.mmpeft.peft.PeftConfig;
import dev.mmpeft.samples.bench.Bench;
import dev.mmpeft.samples.bench.BenchEpochs;
import dev.mmpeft.samples.bench.BenchSettings;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./mmpeft bench}: trains the "bench" InstructBLIP-FlanT5 (random weights, synthetic
 * inputs) with LoRA, another PEFT method ({@code --method}) or full fine-tuning and prints one JSON line of timings, memory, parameter
 * counts and the fp32 matmul rate measured in the same run.
 */
@Command(
        name = "bench",
        header = "Benchmarks training steps of the \"bench\" InstructBLIP; prints one JSON line.",
        mixinStandardHelpOptions = true,
        description = {
            "Benchmark training of the 'bench' InstructBLIP-FlanT5 (vision 256x4, Q-Former 256x4, T5 256 4+4,"
                    + " 224 px, vocab 32128) on synthetic inputs; prints one JSON line.",
            "LoRA (rank R, alpha 2R) on every Q-Former linear and the T5 q, v, wi_0, wi_1, wo; or --full;"
                    + " or --method dora (LoRA's targets), ia3 (PEFT's T5 targets k, v, wo), adapter (Pfeiffer, s=8 on the"
                    + " T5 layers) or prefix (vt=10), with their size options."
        })
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--full", description = "full fine-tuning of every tensor instead of LoRA")
    boolean full;

    @Option(names = "--rank", description = "LoRA rank (default 2; alpha = 2 x rank)")
    Integer rank;

    @CommandLine.Mixin MethodOptions method = new MethodOptions();

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
            description = "examples per epoch of the epoch benchmark (default ${DEFAULT-VALUE}: 4 x --batch)")
    int examples;

    @Option(names = "--profile", paramLabel = "TRACE.json",
            description = "profile instead: --warmup steps, then --steps training steps under PyTorch's profiler; writes the"
                    + " Chrome trace to TRACE.json and prints the time per operator family (matmul, attention, norms,"
                    + " activations, ..., and what no operator covers: Java, JNI, allocation) as a Markdown table")
    java.nio.file.Path profile;

    @Option(names = "--activation-checkpointing",
            description = "train with activation checkpointing: each transformer layer keeps only its input and runs again in"
                    + " the backward pass (less memory, more compute; the trainer's activationCheckpointing)")
    boolean activationCheckpointing;

    @CommandLine.Mixin DeviceOption device;

    @CommandLine.Mixin PrecisionOption precision;

    @Override
    public Integer call() {
        dev.mmpeft.core.Device on = device.single();
        dev.mmpeft.core.train.Precision compute = precision.on(java.util.List.of(on));
        int r = rank == null ? 2 : rank;
        if (r < 1 || steps < 1 || warmup < 0 || batch < 1 || prompt < 1 || answer < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--rank, --steps, --batch, --prompt and --answer must be >= 1 and --warmup >= 0");
        }
        if (epochs < 0 || examples < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--epochs and --examples must be >= 0");
        }
        int perEpoch = examples == 0 ? 4 * batch : examples;
        if (epochs > 0 && (full || method.method().isPresent() || !method.given(Set.of()).isEmpty())) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--epochs benchmarks Q-Former LoRA (the frozen-feature"
                    + " cache); it takes no --full, --method or size option");
        }
        if (epochs > 0 && perEpoch < batch) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--examples " + perEpoch + " is fewer than one batch (--batch " + batch + ")");
        }
        BenchSettings s = settings(r).on(on, compute).withActivationCheckpointing(activationCheckpointing);
        if (profile != null) {
            if (epochs > 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--profile profiles the step benchmark; it takes no --epochs");
            }
            dev.mmpeft.samples.bench.OpProfile op = dev.mmpeft.samples.bench.Bench.profile(s, profile);
            PrintWriter out = spec.commandLine().getOut();
            out.printf(java.util.Locale.ROOT, "%s, %d profiled training steps (trace: %s)%n%n%s", s.method(), s.steps(), profile,
                    op.markdown());
            out.flush();
            return 0;
        }
        String line = epochs > 0 ? BenchEpochs.run(s, epochs, perEpoch).toJsonLine() : Bench.run(s).toJsonLine();
        PrintWriter out = spec.commandLine().getOut();
        out.println(line);
        out.flush();
        return 0;
    }

    /** The run the flags describe: full fine-tuning, LoRA/DoRA on the benchmark's targets, or another method at its size. */
    private BenchSettings settings(int r) {
        Optional<AdaptationMethod> m = method.method();
        if (full) {
            if (m.isPresent() || rank != null || !method.given(Set.of()).isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--full trains every tensor; it takes no --method, --rank or size option");
            }
            return new BenchSettings(InstructBlipPresets.bench(), true, r, 2.0 * r, steps, warmup, batch, prompt, answer, 0, 2048);
        }
        AdaptationMethod chosen = m.orElse(StandardMethods.LORA);
        method.check(List.of(chosen), rank == null ? Set.of() : Set.of(MethodOption.RANK));
        FineTuning sizes = method.apply(FineTuning.study(chosen).toBuilder(), chosen).tuneConnector(method.connectorTuned(false)).build();
        return methodSettings(InstructBlipPresets.bench(), sizes, r, steps, warmup, batch, prompt, answer, 2048);
    }

    /**
     * A PEFT method's run on {@code config}: LoRA or DoRA at rank r (alpha 2r) on the benchmark's
     * targets ({@link Bench#LORA_TARGETS}), any other method on its own targets at the size of
     * {@code setting}; a tuned connector trains {@code language_projection} too.
     */
    static BenchSettings methodSettings(InstructBlipConfig config, FineTuning setting, int r, int steps, int warmup, int batch,
            int prompt, int answer, int matmulSize) {
        AdaptationMethod m = setting.method();
        if (m == StandardMethods.LORA || m == StandardMethods.DORA) {
            PeftConfig lora = Bench.lora(r, 2.0 * r, m == StandardMethods.DORA, setting.tuneConnector());
            return new BenchSettings(config, false, r, 2.0 * r, steps, warmup, batch, prompt, answer, 0, matmulSize,
                    MethodOptions.cliName(m), "", Optional.of(lora));
        }
        PeftConfig peft = m.peftBuilder(setting).orElseThrow().build();
        return new BenchSettings(config, false, r, 2.0 * r, steps, warmup, batch, prompt, answer, 0, matmulSize,
                MethodOptions.cliName(m), m.sizeLabel(setting), Optional.of(peft));
    }
}
