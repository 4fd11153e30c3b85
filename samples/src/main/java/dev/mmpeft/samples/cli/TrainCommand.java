package dev.mmpeft.samples.cli;

import dev.mmpeft.datasets.MissingImageException;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.train.Precision;
import dev.mmpeft.experiments.ExecutionOptions;
import dev.mmpeft.experiments.BaseModel;
import dev.mmpeft.experiments.Experiment;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.TaskData;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./mmpeft train}: one fine-tuning run of a Hugging Face InstructBLIP, LLaVA or LaVIN model on a dataset, with reports and the adapter. */
@Command(
        name = "train",
        header = "Fine-tunes a model on a dataset (LoRA, another PEFT method, or full Q-Former) and evaluates it.",
        mixinStandardHelpOptions = true,
        defaultValueProvider = RecipeDefaults.class,
        description = {
            "Fine-tunes a Hugging Face InstructBLIP, LLaVA or LaVIN directory (or an embedded",
            "model) on a dataset with LoRA on chosen components (or the Q-Former in full; on",
            "LLaVA and LaVIN LoRA defaults to LLM_ALL, LaVIN to its MM-Adapter), validating each",
            "epoch with early stopping, and evaluates the best adapter on the test split.",
            "Writes OUTPUT/adapter (PEFT layout + mmpeft_task.json: the template it was trained",
            "with), fine-tuned/ reports, training/ metrics and loss curve, summary.json.",
            "The recipe's defaults are the same in train, quickstart and sweep.",
            "--method dora|ia3|adapter|prefix|adaption-prompt|mm-adapter trains another PEFT method (its",
            "size options: --bottleneck, --reduction-factor, --placement, --virtual-tokens,",
            "--prefix-projection, --prompt-length, --adaption-layers) at its own learning rate;",
            "--connector tuned also trains the language projection.",
        })
public final class TrainCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin ModelOption model;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "A dataset folder (train, val and test splits).")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "scienceqa", description = "scienceqa, iconqa, jsonl, flickr30k, textcaps, okvqa, aokvqa or textvqa (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output folder (locked while the run writes it).")
    Path output;

    @Option(names = "--zero-shot", description = "Also evaluate the model before training and compare.")
    boolean zeroShot;

    @Mixin SelectionOptions selection;

    @Mixin FineTuningOptions tuning;

    @Mixin TemplateOption template;

    @Mixin TaskOptions taskOptions = new TaskOptions();

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0",
            description = "Also write the resume checkpoint every N optimizer steps, not only at each epoch's end (default ${DEFAULT-VALUE}).")
    long checkpointEvery;

    @Option(names = "--resume", description = "Continue the run an interrupted train left in OUTPUT/training (same flags), bit for bit.")
    boolean resume;

    @Option(names = "--no-feature-cache", description = "Recompute the frozen vision encoder's features every step"
            + " instead of reusing them from OUTPUT/training/feature-cache (same numbers, slower).")
    boolean noFeatureCache;

    @Option(names = "--activation-checkpointing", description = "Keep only each transformer layer's input for the backward"
            + " pass and run the layer again there: less memory for activations, one more forward pass of those layers; with"
            + " dropout, other (equally random) masks than without it.")
    boolean activationCheckpointing;

    @Mixin DeviceOption device;

    @Mixin PrecisionOption precision;

    @Override
    public Integer call() throws Exception {
        List<Device> devices = device.devices();
        Precision compute = precision.on(devices);
        tuning.setting(); // the flags' own errors (exit 2) before the model is read
        FineTuning setting = tuning.setting(model.family().name());
        if (checkpointEvery < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--checkpoint-every must be >= 0, got " + checkpointEvery);
        }
        ExecutionOptions execution = ExecutionOptions.builder().devices(devices).precision(compute)
                .checkpointEvery(checkpointEvery).reuseFrozenFeatures(!noFeatureCache)
                .activationCheckpointing(activationCheckpointing).build();
        String f = CliArgs.format(spec.commandLine(), format);
        Path modelDir = model.directory();
        TemplateOption.Chosen chosen = template.choose(f, modelDir);
        TaskData task = taskOptions.apply(chosen.apply(selection.apply(TaskData.of(f, data))), setting.seed());
        java.io.PrintStream console = Consoles.of(spec.commandLine().getOut());
        console.println(chosen.describe());
        try (BaseModel base = model.loadBase(devices.get(0))) {
            Experiment.Outcome o;
            try {
                o = Experiment.run(base, task, setting, output.toAbsolutePath(), zeroShot, resume, console, execution);
            } catch (MissingImageException e) {
                throw new dev.mmpeft.core.MmpeftException(e.getMessage() + " (a partial download: --missing-images skip trains on the"
                        + " records whose images are there)", e);
            }
            console.printf("%s on the test split (%,d trainable parameters):%n%s", setting.slug(), o.trainableParameters(),
                    Experiment.indent("  ", o.result()));
            console.printf("adapter %s%n", output.toAbsolutePath().resolve("adapter"));
        }
        return 0;
    }
}
