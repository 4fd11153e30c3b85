package dev.mmpeft.samples.cli;

import dev.mmpeft.datasets.synthetic.QuestionFamily;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code ./mmpeft dataset generate}: writes the synthetic shapes dataset in the official ScienceQA,
 * IconQA or JSONL layout, deterministic for a seed, so everything can be tried without a download.
 */
@Command(
        name = "generate",
        header = "Writes a synthetic dataset in the ScienceQA, IconQA, JSONL, Flickr30K or TextVQA layout.",
        mixinStandardHelpOptions = true,
        description = {
            "Writes a synthetic dataset (Java2D images of coloured shapes with",
            "multiple-choice questions) in the official ScienceQA, IconQA or JSONL",
            "layout. The same seed and flags give the same files. --variant shifted",
            "asks a question family a base-trained model has never seen (for",
            "fine-tuning tests). --layout flickr30k writes the scenes as a captioning",
            "task (five reference captions each), --layout textvqa as open questions",
            "(ten answers each, the test split included).",
        })
public final class DatasetGenerateCommand implements Callable<Integer> {
    @Option(names = "--layout", paramLabel = "LAYOUT", defaultValue = "scienceqa",
            description = "scienceqa (default), iconqa, jsonl, flickr30k (captions) or textvqa (open questions).")
    String layout;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "A new (or empty) folder to write.")
    Path out;

    @Option(names = "--variant", paramLabel = "V", defaultValue = "base",
            description = "base (color, shape, count questions) or shifted (color matching with new answer words).")
    String variant;

    @Option(names = "--families", paramLabel = "F", split = ",",
            description = "Question families instead of the variant's: color, shape, count, position, size, color_match.")
    List<String> families = new ArrayList<>();

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--train", paramLabel = "N", defaultValue = "200", description = "Train records (default ${DEFAULT-VALUE}).")
    int train;

    @Option(names = "--val", paramLabel = "N", defaultValue = "50", description = "Val records (default ${DEFAULT-VALUE}).")
    int val;

    @Option(names = "--test", paramLabel = "N", defaultValue = "50", description = "Test records (default ${DEFAULT-VALUE}).")
    int test;

    @Option(names = "--image-size", paramLabel = "PX", defaultValue = "224",
            description = "Image side in pixels (default ${DEFAULT-VALUE}; 32-64 for fast experiments).")
    int imageSize;

    @Option(names = "--choices", paramLabel = "N", defaultValue = "4", description = "Options per question, 2-6 (default ${DEFAULT-VALUE}).")
    int choices;

    @Option(names = "--subtasks", paramLabel = "T", split = ",",
            description = "IconQA sub-tasks to write: choose_txt (default), choose_img, fill_in_blank.")
    List<String> subtasks = new ArrayList<>();

    @Option(names = "--text-only", paramLabel = "FRACTION", defaultValue = "0",
            description = "Fraction of records without an image, their fact in the hint (default ${DEFAULT-VALUE}).")
    double textOnly;

    @Option(names = "--replace", description = "Replace the folder if it exists and is not empty.")
    boolean replace;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        SyntheticDataset.Builder b = SyntheticDataset.builder()
                .seed(seed)
                .train(train)
                .val(val)
                .test(test)
                .imageSize(imageSize)
                .choices(choices)
                .textOnlyFraction(textOnly)
                .variant(DatasetCommand.enumOption(cl, "--variant", variant, Variant.class));
        if (!families.isEmpty()) {
            List<QuestionFamily> fs = new ArrayList<>();
            for (String f : families) {
                fs.add(DatasetCommand.enumOption(cl, "--families", f, QuestionFamily.class));
            }
            b.families(fs);
        }
        if (!subtasks.isEmpty()) {
            b.iconQaSubtasks(subtasks);
        }
        SyntheticDataset d;
        try {
            d = b.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
        Path dir = switch (layout.toLowerCase(Locale.ROOT)) {
            case "scienceqa" -> d.writeScienceQa(out, replace);
            case "iconqa" -> d.writeIconQa(out, replace);
            case "jsonl" -> d.writeJsonl(out, replace);
            case "flickr30k" -> d.writeFlickr30k(out, replace);
            case "textvqa" -> d.writeTextVqa(out, replace);
            default -> throw new CommandLine.ParameterException(cl,
                    "invalid --layout '" + layout + "' (expected scienceqa, iconqa, jsonl, flickr30k or textvqa)");
        };
        PrintWriter w = cl.getOut();
        w.println("wrote a synthetic " + layout.toLowerCase(Locale.ROOT) + " dataset to " + dir);
        w.println("  train " + d.train() + ", val " + d.val() + ", test " + d.test() + "; " + d.imageSize() + " px; seed "
                + d.seed() + "; " + d.variant().name().toLowerCase(Locale.ROOT) + ": "
                + d.families().stream().map(f -> f.name().toLowerCase(Locale.ROOT)).toList()
                + (layout.equalsIgnoreCase("iconqa") ? "; sub-tasks " + d.iconQaSubtasks() : ""));
        w.println("check it with: ./mmpeft dataset --format " + layout.toLowerCase(Locale.ROOT) + " --root " + dir);
        w.flush();
        return 0;
    }
}
