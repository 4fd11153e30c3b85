package dev.mmpeft.experiments;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.datasets.DatasetReader;
import dev.mmpeft.datasets.DatasetReaders;
import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Where an experiment's examples come from and how they become prompts: a dataset in an official
 * layout (ScienceQA, IconQA) or JSONL, the papers' setting for it (ScienceQA: questions with an
 * image; IconQA: the multi-text-choice sub-task), and the template that renders them.
 *
 * @param format {@code scienceqa}, {@code iconqa} or {@code jsonl} (or another installed reader)
 * @param root the dataset folder
 * @param template how examples become prompts
 */
public record TaskData(String format, Path root, PromptTemplate template) {
    /** The papers' setting and template for a dataset format. */
    public static TaskData of(String format, Path root) {
        String f = format.toLowerCase(Locale.ROOT);
        return new TaskData(f, root, PromptTemplates.forFormat(f));
    }

    /** The same data rendered by another template. */
    public TaskData withTemplate(PromptTemplate newTemplate) {
        return new TaskData(format, root, newTemplate);
    }

    /** The examples of one split, in the papers' setting (ScienceQA-IMG, IconQA choose_txt). */
    public List<MultimodalExample> examples(String split) {
        DatasetReader reader = DatasetReaders.forFormat(format).root(root).split(split);
        if (format.equals("scienceqa")) {
            reader = reader.imagesOnly(true);
        } else if (format.equals("iconqa")) {
            reader = reader.subtasks("choose_txt");
        }
        return reader.readAll();
    }

    /** The prompts of one split. */
    public List<Prompt> prompts(String split) {
        return template.renderAll(examples(split));
    }
}
