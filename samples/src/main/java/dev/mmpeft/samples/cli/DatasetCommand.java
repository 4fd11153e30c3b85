package dev.mmpeft.samples.cli;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.datasets.DatasetReader;
import dev.mmpeft.datasets.DatasetReaderProvider;
import dev.mmpeft.datasets.DatasetReaders;
import dev.mmpeft.datasets.DatasetSummary;
import dev.mmpeft.datasets.ImageCheck;
import dev.mmpeft.datasets.MissingImages;
import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./mmpeft dataset --format F --root DIR}: how a user checks a download before training.
 * Prints the dataset's {@link DatasetSummary} (read as training would: streaming, with the same checks): how many examples
 * each split, sub-task and grade holds, what is missing or skipped, and the first N prompts as the
 * model will see them, with their targets. {@code ./mmpeft dataset generate} writes the synthetic
 * dataset.
 */
@Command(
        name = "dataset",
        header = "Checks a dataset: counts per split, sub-task and grade, and rendered prompts.",
        mixinStandardHelpOptions = true,
        subcommands = {DatasetGenerateCommand.class},
        description = {
            "Reads a dataset as training would (ScienceQA or IconQA release folder, or",
            "JSONL) and prints example counts per split, sub-task, grade and subject,",
            "missing images, skipped records, and the first N rendered prompts with",
            "their targets. Bad data stops it with one line naming the file, record",
            "and field (exit 1); bad flags exit 2.",
            "",
            "Examples:",
            "  ./mmpeft dataset --format scienceqa --root data/scienceqa \\",
            "      --split test --images-only --show 2",
            "  ./mmpeft dataset generate --layout scienceqa --out data/shapes",
        })
public final class DatasetCommand implements Callable<Integer> {
    @Option(names = "--format", paramLabel = "FORMAT", description = "scienceqa, iconqa or jsonl (or another installed reader).")
    String format;

    @Option(names = "--root", paramLabel = "DIR", description = "The dataset folder (for JSONL also one .jsonl file).")
    Path root;

    @Option(names = "--split", paramLabel = "S",
            description = "One split (train, val, test, minitrain, ...); default: train, val and test.")
    String split;

    @Option(names = "--subtask", paramLabel = "T", split = ",",
            description = "IconQA sub-task(s): choose_txt, choose_img, fill_in_blank; default: all.")
    List<String> subtasks = new ArrayList<>();

    @Option(names = "--images-only", description = "Only records with an image (ScienceQA-IMG, as the papers use).")
    boolean imagesOnly;

    @Option(names = "--show", paramLabel = "N", defaultValue = "3", description = "Rendered prompts to print (default ${DEFAULT-VALUE}).")
    int show;

    @Option(names = "--missing-images", paramLabel = "POLICY", defaultValue = "keep",
            description = "fail, skip or keep (default ${DEFAULT-VALUE}: keep and count them).")
    String missingImages;

    @Option(names = "--check-images", paramLabel = "HOW", defaultValue = "header",
            description = "none, exists, header (default: exists and looks like an image) or decode (reads every pixel).")
    String checkImages;

    @Option(names = "--lenient", description = "Skip and count bad records instead of stopping at the first.")
    boolean lenient;

    @Option(names = "--template", paramLabel = "TEXT",
            description = "A prompt template with named placeholders, e.g. \"Question: {question} Options: {options} Answer:\".")
    String template;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        if (format == null || root == null) {
            throw new CommandLine.ParameterException(cl, "--format and --root are required (or use: dataset generate)");
        }
        if (!DatasetReaders.formats().contains(format.toLowerCase(Locale.ROOT))) {
            throw new CommandLine.ParameterException(cl, "unknown --format '" + format + "' (known: "
                    + String.join(", ", DatasetReaders.formats()) + ")");
        }
        if (show < 0) {
            throw new CommandLine.ParameterException(cl, "--show must be >= 0, got " + show);
        }
        MissingImages policy = enumOption(cl, "--missing-images", missingImages, MissingImages.class);
        ImageCheck check = enumOption(cl, "--check-images", checkImages, ImageCheck.class);
        PromptTemplate prompts = template == null ? PromptTemplates.forFormat(format)
                : PromptTemplates.parse(template, format);

        DatasetReader reader = DatasetReaders.forFormat(format).root(root).imagesOnly(imagesOnly)
                .missingImages(policy).imageCheck(check).lenient(lenient);
        if (split != null) {
            reader = reader.split(split);
        }
        if (!subtasks.isEmpty()) {
            reader = reader.subtasks(subtasks.toArray(String[]::new));
        }
        DatasetReaderProvider provider = reader.provider();
        String subtaskField = provider.subtaskField();
        DatasetSummary summary = DatasetSummary.of(reader, show);

        PrintWriter out = cl.getOut();
        out.println(provider.name() + " dataset at " + root.toAbsolutePath().normalize()
                + (split == null ? "" : ", split " + split) + (subtasks.isEmpty() ? "" : ", sub-tasks " + subtasks)
                + (imagesOnly ? ", images only" : ""));
        out.println();
        out.printf("%-12s %9s %12s %11s%n", "split", "examples", "with image", "with hint");
        summary.splits().forEach((name, c) -> out.printf("%-12s %9d %12d %11d%n", name, c.examples(), c.withImage(), c.withHint()));
        DatasetSummary.SplitCounts total = summary.total();
        out.printf("%-12s %9d %12d %11d%n", "total", total.examples(), total.withImage(), total.withHint());
        table(out, "sub-task (" + subtaskField + ")", summary.bySubtask());
        table(out, "grade", summary.byGrade());
        table(out, "subject", summary.bySubject());
        out.println();
        if (summary.filtered() > 0) {
            out.println("left out on request: " + summary.filtered() + (imagesOnly ? " (no image)" : ""));
        }
        if (total.missingImages() > 0) {
            out.println("missing images: " + total.missingImages() + " example(s) name an image file that is absent ("
                    + summary.splits().entrySet().stream().filter(s -> s.getValue().missingImages() > 0)
                            .map(s -> s.getKey() + " " + s.getValue().missingImages()).collect(Collectors.joining(", "))
                    + "); training would stop on them (download them, or read with --missing-images skip)");
        }
        out.println("skipped: " + summary.skipped() + (summary.skipped() > 0 ? " " + summary.skippedByReason() : ""));
        for (String m : summary.skipMessages().subList(0, Math.min(5, summary.skipMessages().size()))) {
            out.println("  " + m);
        }
        List<MultimodalExample> shown = summary.firstExamples();
        for (int i = 0; i < shown.size(); i++) {
            printExample(out, i, shown.get(i), prompts.render(shown.get(i)), subtaskField);
        }
        out.flush();
        return 0;
    }

    private static void printExample(PrintWriter out, int i, MultimodalExample e, Prompt p, String subtaskField) {
        out.println();
        out.println("example " + (i + 1) + ": id " + e.id() + " (" + e.split() + ")"
                + e.meta(subtaskField.isEmpty() ? "-" : subtaskField).map(v -> ", " + v).orElse(""));
        for (Path img : p.images()) {
            out.println("  image:       " + img + (Files.exists(img) ? "" : "  (missing)"));
        }
        if (!p.instruction().equals(p.input())) {
            out.println("  instruction: " + oneLine(p.instruction()));
        }
        out.println("  input:       " + oneLine(p.input()));
        out.println("  target:      " + p.target().map(DatasetCommand::oneLine).orElse("(none)"));
        if (!p.candidates().isEmpty()) {
            out.println("  candidates:  " + p.candidates().stream().map(DatasetCommand::oneLine)
                    .collect(Collectors.joining(" | ")));
        }
    }

    private static void table(PrintWriter out, String title, Map<String, Long> counts) {
        if (counts.isEmpty()) {
            return;
        }
        out.println();
        out.println("by " + title + ":");
        counts.forEach((k, v) -> out.printf("  %-24s %7d%n", k, v));
    }

    /** Newlines shown as \n so each prompt stays on one line of the listing. */
    static String oneLine(String text) {
        return text.replace("\n", "\\n");
    }

    static <E extends Enum<E>> E enumOption(CommandLine cl, String flag, String value, Class<E> type) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "invalid " + flag + " '" + value + "' (expected one of "
                    + java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)).toList()
                    + ")");
        }
    }
}
