package dev.mmpeft.samples.cli;

import dev.mmpeft.datasets.synthetic.QuestionFamily;
import dev.mmpeft.samples.quickstart.DefaultModel;
import dev.mmpeft.samples.quickstart.EmbeddedFamily;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./mmpeft default-model}: rebuilds an embedded model of one family (tokenizers, random
 * initialisation, pre-training on the synthetic base task, held-out check, model card).
 */
@Command(
        name = "default-model",
        header = "Rebuilds an embedded model (pre-trained on synthetic data).",
        mixinStandardHelpOptions = true,
        description = {
            "Builds an embedded model of one family, pre-trained on the synthetic base task",
            "(colour questions), in Hugging Face layout with word-level tokenizers:",
            "instructblip (the default; a small InstructBLIP-FlanT5, what '--model embedded'",
            "names), llava (CLIP tower, projector, LLaMA; '--model embedded:llava') or lavin",
            "(CLIP tower, visual adapter, LLaMA, 30%% text-only questions; '--model",
            "embedded:lavin'). The samples ship a copy of each; this command shows how it was",
            "made and makes it again, or, with --packaged, writes the shipped copy to a folder",
            "of your own.",
        })
public final class DefaultModelCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Folder to write (replaced if it exists).")
    Path output;

    @Option(names = "--family", paramLabel = "F", defaultValue = "instructblip",
            description = "Model family: instructblip, llava or lavin (default: ${DEFAULT-VALUE}).")
    String family;

    @Option(names = "--packaged", description = "Write the packaged copy of the family (what embedded, embedded:llava or embedded:lavin names) instead of rebuilding it: seconds, not minutes.")
    boolean packaged;

    @Option(names = "--train", paramLabel = "N", description = "Training examples (default: the standard recipe's).")
    Integer train;

    @Option(names = "--epochs", paramLabel = "N", description = "Maximum epochs (default: the standard recipe's).")
    Integer epochs;

    @Option(names = "--families", paramLabel = "F", split = ",",
            description = "Question families to pre-train on (default: the standard recipe's): color, shape, count, position, size.")
    java.util.List<String> families;

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default: the standard recipe's).")
    Double lr;

    @Option(names = "--patience", paramLabel = "N", description = "Early-stopping patience in epochs (default: the standard recipe's).")
    Integer patience;

    static QuestionFamily family(String name) {
        for (QuestionFamily f : QuestionFamily.values()) {
            if (f.name().equalsIgnoreCase(name.trim())) {
                return f;
            }
        }
        throw new IllegalArgumentException("--families: unknown question family '" + name + "'; expected " + java.util.Arrays.stream(
                QuestionFamily.values()).map(f -> f.name().toLowerCase(java.util.Locale.ROOT)).collect(java.util.stream.Collectors.joining(", ")));
    }

    @Override
    public Integer call() throws Exception {
        java.io.PrintStream console = Consoles.of(spec.commandLine().getOut());
        EmbeddedFamily model;
        try {
            model = EmbeddedFamily.of(family);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--family: " + e.getMessage()); // exit 2
        }
        if (packaged) {
            if (train != null || epochs != null || families != null || lr != null || patience != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--packaged copies the packaged model;"
                        + " --train, --epochs, --families, --lr and --patience rebuild one (give either)");
            }
            model.copyPackaged(output);
            console.println("wrote " + output.toAbsolutePath() + " (the packaged " + model.modelName() + ")");
            return 0;
        }
        DefaultModel.Recipe recipe = model.standardRecipe();
        if (train != null || epochs != null) {
            recipe = recipe.quick(train == null ? recipe.trainExamples() : train, epochs == null ? recipe.epochs() : epochs);
        }
        if (families != null) {
            try {
                recipe = recipe.withFamilies(families.stream().map(DefaultModelCommand::family).collect(java.util.stream.Collectors.toList()));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage()); // a bad flag value: exit 2
            }
        }
        if (lr != null) {
            recipe = recipe.withLearningRate(lr);
        }
        if (patience != null) {
            recipe = recipe.withPatience(patience);
        }
        DefaultModel.BuildReport report = model.build(output, recipe, console);
        console.printf(java.util.Locale.ROOT, "wrote %s (%,d parameters; held-out base-task accuracy %.2f%%)%n",
                output.toAbsolutePath(), report.parameters(), report.heldOut().headline());
        return 0;
    }
}
