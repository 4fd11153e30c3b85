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
        defaultValueProvider = RecipeDefaults.class,
        description = {
            "Evaluates a model zero-shot, fine-tunes LoRA with a progress bar, evaluates it",
            "again and writes the adapter (with mmpeft_task.json: the template it was trained",
            "with, so `evaluate` scores it the same way), a Markdown report and PNG plots to",
            "the output folder. Without flags it uses the embedded default model and a",
            "synthetic task it has never seen; --family llava|lavin runs the embedded LLaVA or",
            "LaVIN model (LaVIN with its MM-Adapter); --model and --data point it at a Hugging",
            "Face InstructBLIP, LLaVA or LaVIN directory and an official ScienceQA or IconQA folder.",
            "The recipe's defaults are the same in train, quickstart and sweep.",
            "--method ia3|adapter|prefix|dora (with its size options) fine-tunes another PEFT",
            "method at its own learning rate.",
        })
public final class QuickstartCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--output", paramLabel = "DIR", defaultValue = "mmpeft-out/quickstart",
            description = "Output folder, locked while the run writes it (default ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--model", paramLabel = "DIR|embedded", defaultValue = "embedded",
            description = ModelOption.DESCRIPTION + " Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--family", paramLabel = "FAMILY", description = "Run the embedded model of a family instead of --model:"
            + " instructblip (the default model), llava or lavin (fine-tuned with LaVIN's MM-Adapter unless --method says otherwise).")
    String family;

    @Option(names = "--data", paramLabel = "DIR", description = "A dataset folder (default: the synthetic shifted task, written to OUTPUT/data).")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "scienceqa",
            description = "Format of --data: scienceqa, iconqa or jsonl (default ${DEFAULT-VALUE}).")
    String format;

    @Mixin FineTuningOptions tuning;

    @Mixin TemplateOption template;

    @Mixin DeviceOption device;

    @Mixin PrecisionOption precision;

    @Override
    public Integer call() throws Exception {
        List<Device> devices = device.devices();
        ExecutionOptions execution = ExecutionOptions.builder().devices(devices).precision(precision.on(devices)).build();
        tuning.setting(); // the flags' own errors (exit 2) before the model is read
        String chosen = ModelOption.withFamily(spec.commandLine(), model, family);
        String f = CliArgs.format(spec.commandLine(), format);
        Path modelDir = ModelOption.directory(spec.commandLine(), chosen);
        FineTuning setting = tuning.setting(dev.mmpeft.models.family.Models.familyOf(modelDir).name());
        Optional<dev.mmpeft.datasets.prompt.PromptTemplate> explicit = Optional.ofNullable(template.template)
                .map(t -> TemplateOption.parse(spec.commandLine(), t, f));
        Quickstart.run(new Quickstart.Options(chosen, Optional.ofNullable(data), f, output, setting, explicit), modelDir,
                console(), execution);
        return 0;
    }

    private java.io.PrintStream console() {
        return Consoles.of(spec.commandLine().getOut());
    }
}
