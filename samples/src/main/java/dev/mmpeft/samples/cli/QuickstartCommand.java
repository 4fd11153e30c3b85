package dev.mmpeft.samples.cli;

import dev.mmpeft.core.Device;
import dev.mmpeft.experiments.ExecutionOptions;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.samples.quickstart.Quickstart;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./mmpeft quickstart}: zero-shot evaluation, a LoRA fine-tune with a progress bar, the
 * fine-tuned evaluation, the saved adapter, a report and plots, on the embedded default model and
 * synthetic data unless flags point elsewhere.
 */
@Command(
        name = "quickstart",
        header = "Zero-shot eval, LoRA fine-tune, eval again, adapter + report + plots.",
        mixinStandardHelpOptions = true,
        description = {
            "Evaluates a model zero-shot, fine-tunes LoRA (rank 2 on QFORMER_CROSS_ATTN +",
            "LLM_FFN by default) with a progress bar, evaluates it again and writes the",
            "adapter, a Markdown report and PNG plots to the output folder. Without flags",
            "it uses the embedded default model and a synthetic task it has never seen;",
            "--model and --data point it at a Hugging Face InstructBLIP directory and an",
            "official ScienceQA or IconQA folder instead.",
        })
public final class QuickstartCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--output", paramLabel = "DIR", defaultValue = "mmpeft-out/quickstart",
            description = "Output folder (default ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--model", paramLabel = "DIR", description = "A Hugging Face InstructBLIP directory (default: the embedded default model).")
    Path model;

    @Option(names = "--data", paramLabel = "DIR", description = "A dataset folder (default: the synthetic shifted task, written to OUTPUT/data).")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "scienceqa",
            description = "Format of --data: scienceqa, iconqa or jsonl (default ${DEFAULT-VALUE}).")
    String format;

    @Mixin DeviceOption device;

    @Mixin PrecisionOption precision;

    @Mixin FineTuningOptions tuning = new FineTuningOptions(Quickstart.Options.defaultSetting());

    @Override
    public Integer call() throws Exception {
        List<Device> devices = device.devices();
        ExecutionOptions execution = ExecutionOptions.builder().devices(devices).precision(precision.on(devices)).build();
        FineTuning setting = tuning.setting();
        Quickstart.run(new Quickstart.Options(Optional.ofNullable(model), Optional.ofNullable(data),
                CliArgs.format(format), output, setting), console(), execution);
        return 0;
    }

    private java.io.PrintStream console() {
        return Consoles.of(spec.commandLine().getOut());
    }
}
