package dev.mmpeft.samples.cli;

import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.peft.LoadReport;
import dev.mmpeft.peft.PeftConfig;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./mmpeft merge}: folds a PEFT LoRA adapter into its base InstructBLIP model and writes a
 * standalone Hugging Face directory, as PEFT's {@code merge_and_unload()} followed by
 * {@code save_pretrained}: same tensor names as the base model, no adapter tensors, plus the base
 * directory's tokenizer and processor files so the result runs on its own.
 */
@Command(
        name = "merge",
        header = "Merges a LoRA adapter into its base model and writes a standalone checkpoint.",
        mixinStandardHelpOptions = true,
        description = {
            "Merges a PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors) into its base InstructBLIP model"
                    + " and writes a standalone Hugging Face checkpoint (config.json + model.safetensors + tokenizer files),"
                    + " as PEFT's merge_and_unload() + save_pretrained().",
            "The output directory appears complete or not at all."
        })
public final class MergeCommand implements Callable<Integer> {
    /** Files of the base directory that describe weights, replaced by the merged ones. */
    private static final Set<String> WEIGHT_FILES = Set.of("config.json", "model.safetensors.index.json", "adapter_config.json");

    @Spec CommandSpec spec;

    /** The base model the adapter was trained on. */
    @Mixin ModelOption model;

    @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "PEFT adapter directory.")
    Path adapter;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Where to write the merged model (replaced if it exists).")
    Path output;

    @Override
    public Integer call() throws IOException {
        Path modelDir = model.directory();
        if (!Files.isDirectory(adapter)) {
            throw new MmpeftException(adapter + ": no such adapter directory");
        }
        if (output.toAbsolutePath().normalize().equals(modelDir.toAbsolutePath().normalize())) {
            throw new MmpeftException(output + ": the output must not be the base model's directory");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (InstructBlip base = model.load(); PeftModel<InstructBlip> peft = Peft.load(base, adapter, false)) {
            PeftConfig config = peft.config(PeftModel.DEFAULT_ADAPTER);
            List<String> modules = peft.targetedModules(PeftModel.DEFAULT_ADAPTER);
            peft.exportMerged(output, dir -> {
                copyProcessorFiles(modelDir, dir);
                // the merged model answers in the form the adapter was trained on: its card, not the base model's
                Path card = adapter.resolve(dev.mmpeft.experiments.TaskCard.FILE_NAME);
                if (Files.isRegularFile(card)) {
                    Files.copy(card, dir.resolve(card.getFileName().toString()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            });
            out.printf(Locale.ROOT, "merged %s (%s on %d modules%s) into %s%n",
                    adapter, config.describe(), modules.size(),
                    config.modulesToSave().isEmpty() ? "" : ", trained in full: " + String.join(", ", config.modulesToSave()),
                    modelDir);
            LoadReport report = peft.loadReport(PeftModel.DEFAULT_ADAPTER).orElseThrow();
            if (!report.missing().isEmpty()) {
                out.printf(Locale.ROOT, "warning: %d adapter tensors missing from the file kept their initial values: %s%n",
                        report.missing().size(), report.missing());
            }
            if (!report.unexpected().isEmpty()) {
                out.printf(Locale.ROOT, "warning: %d tensors in the adapter file were not used: %s%n",
                        report.unexpected().size(), report.unexpected());
            }
            out.printf(Locale.ROOT, "wrote %s (%,d parameters)%n", output, base.parameterCount());
        }
        out.flush();
        return 0;
    }

    /** Copies the tokenizer and processor files (everything but weights and configs of weights). */
    static void copyProcessorFiles(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path rel = from.relativize(p);
                String name = p.getFileName().toString();
                if (rel.toString().isEmpty() || Files.isDirectory(p)) {
                    continue;
                }
                boolean weights = WEIGHT_FILES.contains(name) || name.endsWith(".safetensors") || name.endsWith(".bin")
                        || name.endsWith(".pt") || name.endsWith(".pth");
                if (rel.getNameCount() == 1 && weights) {
                    continue;
                }
                Path target = to.resolve(rel.toString());
                Files.createDirectories(target.getParent());
                Files.copy(p, target);
            }
        }
    }
}
