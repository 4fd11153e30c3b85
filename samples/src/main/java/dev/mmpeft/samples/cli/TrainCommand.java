package dev.mmpeft.samples.cli;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.train.Precision;
import dev.mmpeft.experiments.ExecutionOptions;
import dev.mmpeft.experiments.Experiment;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./mmpeft train}: one fine-tuning run of a Hugging Face InstructBLIP on a dataset, with reports and the adapter. */
@Command(
        name = "train",
        header = "Fine-tunes a model on a dataset (LoRA or full Q-Former) and evaluates it.",
        mixinStandardHelpOptions = true,
        description = {
            "Fine-tunes a Hugging Face InstructBLIP directory on a dataset with LoRA on chosen",
            "components (or the Q-Former in full), validating each epoch with early stopping,",
            "and evaluates the best adapter on the test split. Writes OUTPUT/adapter (PEFT",
            "layout), fine-tuned/ reports, training/ metrics and loss curve, summary.json.",
            "Defaults follow the papers: AdamW lr 5e-4 (2e-5 for --full-qformer), weight decay",
            "0.05, linear decay, 15 epochs, batch 16, patience 3; LoRA r=2 on",
            "QFORMER_CROSS_ATTN,LLM_FFN unless --target says otherwise.",
        })
public final class TrainCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A Hugging Face InstructBLIP directory with its tokenizers.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "A dataset folder (train, val and test splits).")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "scienceqa", description = "scienceqa, iconqa or jsonl (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output folder.")
    Path output;

    @Option(names = "--zero-shot", description = "Also evaluate the model before training and compare.")
    boolean zeroShot;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0",
            description = "Also write the resume checkpoint every N optimizer steps, not only at each epoch's end (default ${DEFAULT-VALUE}).")
    long checkpointEvery;

    @Option(names = "--resume", description = "Continue the run an interrupted train left in OUTPUT/training (same flags), bit for bit.")
    boolean resume;

    @Option(names = "--no-feature-cache", description = "Recompute the frozen vision encoder's features every step"
            + " instead of reusing them from OUTPUT/training/feature-cache (same numbers, slower).")
    boolean noFeatureCache;

    @Mixin DeviceOption device;

    @Mixin PrecisionOption precision;

    @Mixin FineTuningOptions tuning = new FineTuningOptions(
            FineTuning.lora(EnumSet.of(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN), 2));

    @Override
    public Integer call() throws Exception {
        List<Device> devices = device.devices();
        Precision compute = precision.on(devices);
        FineTuning setting = tuning.setting();
        if (checkpointEvery < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--checkpoint-every must be >= 0, got " + checkpointEvery);
        }
        ExecutionOptions execution = ExecutionOptions.builder().devices(devices).precision(compute)
                .checkpointEvery(checkpointEvery).reuseFrozenFeatures(!noFeatureCache).build();
        TaskData task = TaskData.of(CliArgs.format(format), data);
        java.io.PrintStream console = Consoles.of(spec.commandLine().getOut());
        try (InstructBlip base = InstructBlip.load(model, devices.get(0));
                InstructBlipProcessor processor = InstructBlipProcessor.load(model, base.config())) {
            Experiment.Outcome o = Experiment.run(base, processor, model.toString(), task, setting, output.toAbsolutePath(),
                    zeroShot, resume, console, execution);
            console.printf("%s: %.2f%% on the test split (%,d trainable parameters); adapter %s%n", setting.slug(),
                    o.accuracy(), o.trainableParameters(), output.toAbsolutePath().resolve("adapter"));
        }
        return 0;
    }
}
