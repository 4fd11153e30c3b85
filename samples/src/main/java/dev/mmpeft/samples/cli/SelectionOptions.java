package dev.mmpeft.samples.cli;

import dev.mmpeft.datasets.MissingImages;
import dev.mmpeft.experiments.TaskData;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Which records of a dataset a command reads: {@code --images-only}, {@code --all},
 * {@code --subtask} and {@code --missing-images}, as a picocli mixin of {@code evaluate} and
 * {@code train}. Why one mixin: what is trained on and what is scored must be chosen with the same
 * words, and the shipped partial ScienceQA sample (test images only) needs {@code --all
 * --missing-images skip} to be trained on at all.
 */
final class SelectionOptions {
    @Spec(Spec.Target.MIXEE) CommandSpec mixee;

    @Option(names = "--images-only", description = "Only questions with an image (the default for scienceqa: ScienceQA-IMG, the papers' setting).")
    boolean imagesOnly;

    @Option(names = "--all", description = "Every record: questions without an image and every sub-task too.")
    boolean all;

    @Option(names = "--subtask", paramLabel = "T", split = ",",
            description = "IconQA sub-task(s): choose_txt, choose_img, fill_in_blank (default for iconqa: choose_txt, the papers' setting).")
    List<String> subtasks = new ArrayList<>();

    @Option(names = "--missing-images", paramLabel = "POLICY", defaultValue = "fail",
            description = "Records whose image file is absent: fail or skip (default ${DEFAULT-VALUE}; skip reads a partial download).")
    String missingImages;

    /**
     * {@code papers} (the format's standard selection) narrowed or widened as the flags say.
     *
     * @throws CommandLine.ParameterException for flags that contradict each other or a bad policy (exit 2)
     */
    TaskData apply(TaskData papers) {
        CommandLine cl = mixee.commandLine();
        if (all && (imagesOnly || !subtasks.isEmpty())) {
            throw new CommandLine.ParameterException(cl, "--all keeps every record; it cannot be combined with --images-only or --subtask");
        }
        MissingImages policy = CliArgs.missingImages(cl, missingImages, MissingImages.FAIL, MissingImages.SKIP);
        TaskData t = papers;
        if (all) {
            t = t.withAllRecords();
        }
        if (imagesOnly) {
            t = t.withImagesOnly(true);
        }
        if (!subtasks.isEmpty()) {
            t = t.withSubtasks(subtasks);
        }
        return t.withMissingImages(policy);
    }
}
