package dev.mmpeft.samples.cli;

import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;
import dev.mmpeft.datasets.prompt.TemplateException;
import dev.mmpeft.experiments.TaskCard;
import dev.mmpeft.experiments.TaskData;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code --template NAME|TEXT} option of the commands that render prompts, and the rule for the
 * template when it is left out: the one recorded with the adapter ({@value TaskCard#FILE_NAME}),
 * else the one recorded with the model, else the dataset format's own. Why one place: a model
 * answers well only in the form it was trained on, and every command must pick it the same way.
 */
final class TemplateOption {
    @Spec(Spec.Target.MIXEE) CommandSpec mixee;

    @Option(names = "--template", paramLabel = "NAME|TEXT",
            description = "Prompt template: a name (scienceqa, scienceqa-answer-text, iconqa, vqa, ...) or a text with"
                    + " placeholders such as \"Question: {question} Options: {options} Answer:\". Default: the template"
                    + " recorded in the adapter's or model's " + TaskCard.FILE_NAME + ", else the data format's.")
    String template;

    /** A template and where it came from, for the one line commands print about it. */
    record Chosen(PromptTemplate template, String source) {
        String describe() {
            String name = PromptTemplates.nameOf(template).orElse("\"" + template.input() + "\"");
            return "template: " + name + " (" + source + ")";
        }

        /** {@code data} rendered by this template. */
        TaskData apply(TaskData data) {
            return data.withTemplate(template);
        }
    }

    /** The template for data of {@code format}: {@code --template}, else the first card of {@code trainedDirs}, else the format's. */
    Chosen choose(String format, Path... trainedDirs) {
        if (template != null) {
            return new Chosen(parse(mixee.commandLine(), template, format), "--template");
        }
        Optional<TaskCard.Found> found = TaskCard.find(trainedDirs);
        if (found.isPresent()) {
            return new Chosen(found.get().card().template(), "recorded in " + found.get().file());
        }
        return new Chosen(PromptTemplates.forFormat(format), format + "'s default");
    }

    /** A template from a flag value: a known name, or a text with placeholders (a bad one is a flag error). */
    static PromptTemplate parse(CommandLine cl, String value, String format) {
        try {
            if (!value.contains("{")) {
                return PromptTemplates.named(value);
            }
            return PromptTemplates.parse(value, format);
        } catch (TemplateException e) {
            throw new CommandLine.ParameterException(cl, "--template: " + e.getMessage());
        }
    }
}
