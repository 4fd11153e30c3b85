package dev.mmpeft.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.TemplateJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * How a model or adapter was trained, saved beside its weights as {@value #FILE_NAME}: the
 * dataset format, the prompt template (by name or inline), the answer format the template's
 * target gives and the label space seen in training. Why: a model answers well only in the form
 * it was trained on, so {@code evaluate}, {@code generate}, continued training and
 * {@link TaskData#forTrained} read the template from here instead of guessing it from the data.
 *
 * <p>The file sits next to {@code adapter_config.json}; Python PEFT reads only its own two files and
 * ignores it. Format (version 1):
 * <pre>{@code
 * {
 *   "mmpeft_task" : 1,
 *   "format" : "scienceqa",
 *   "template" : "scienceqa-answer-text",          // a PromptTemplates name, or an object (TemplateJson)
 *   "answer_format" : "option_text",               // labelled_option | option_text | option_label | open_text | custom
 *   "label_space" : { "option_labels" : "lower", "answers" : [ "cherry", "leaf" ], "complete" : true }
 * }
 * }</pre>
 *
 * @param format the dataset format trained on ({@code scienceqa}, {@code iconqa}, {@code jsonl}, ...)
 * @param template the template that rendered the training prompts
 * @param answerFormat what the targets look like
 * @param labelSpace the option labels and the distinct answers of the training split
 */
public record TaskCard(String format, PromptTemplate template, AnswerFormat answerFormat, LabelSpace labelSpace) {
    /** The file's name in a model or adapter folder. */
    public static final String FILE_NAME = "mmpeft_task.json";
    /** The version this SDK writes and reads. */
    public static final int VERSION = 1;
    /** At most this many distinct answers are listed; {@link LabelSpace#complete()} says whether all were. */
    public static final int MAX_ANSWERS = 1000;

    private static final Set<String> KEYS = Set.of("mmpeft_task", "format", "template", "answer_format", "label_space");

    /** What a target looks like, decided by the template's target text. */
    public enum AnswerFormat {
        /** The option as the prompt writes it: {@code (b) red} (target {@code {answer}}). */
        LABELLED_OPTION,
        /** The option's text alone: {@code red} (target {@code {answer_text}}). */
        OPTION_TEXT,
        /** The option's label alone: {@code b} (target {@code {answer_label}}). */
        OPTION_LABEL,
        /** A free answer (target {@code {best_answer}}, or a template that ignores the options). */
        OPEN_TEXT,
        /** Any other target text. */
        CUSTOM;

        /** The answer format of a template. */
        public static AnswerFormat of(PromptTemplate t) {
            if (t.ignoreChoices() || t.target().equals("{best_answer}")) {
                return OPEN_TEXT;
            }
            return switch (t.target()) {
                case "{answer}" -> LABELLED_OPTION;
                case "{answer_text}" -> OPTION_TEXT;
                case "{answer_label}" -> OPTION_LABEL;
                default -> CUSTOM;
            };
        }

        /** The name in the file ({@code option_text}). */
        public String fileName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The answers a model was trained to give.
     *
     * @param optionLabels how options were labelled ({@code lower}: a, b, c)
     * @param answers the distinct answer texts of the training split, sorted (at most {@link #MAX_ANSWERS})
     * @param complete whether every distinct answer is listed
     */
    public record LabelSpace(String optionLabels, List<String> answers, boolean complete) {
        public LabelSpace {
            answers = List.copyOf(answers);
        }
    }

    /** The card of a training run: {@code data}'s format and template, the answers of {@code train}. */
    public static TaskCard of(TaskData data, List<MultimodalExample> train) {
        TreeSet<String> answers = new TreeSet<>();
        for (MultimodalExample e : train) {
            e.answerText().ifPresent(answers::add);
            answers.addAll(e.answers());
        }
        List<String> listed = new ArrayList<>(answers).subList(0, Math.min(answers.size(), MAX_ANSWERS));
        return new TaskCard(data.format(), data.template(), AnswerFormat.of(data.template()),
                new LabelSpace(data.template().labels().name().toLowerCase(Locale.ROOT), listed, answers.size() <= MAX_ANSWERS));
    }

    /** Writes {@code dir/}{@value #FILE_NAME} (atomically). */
    public void write(Path dir) throws IOException {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("mmpeft_task", VERSION);
        n.put("format", format);
        n.set("template", TemplateJson.write(template));
        n.put("answer_format", answerFormat.fileName());
        ObjectNode space = n.putObject("label_space");
        space.put("option_labels", labelSpace.optionLabels());
        ArrayNode a = space.putArray("answers");
        labelSpace.answers().forEach(a::add);
        space.put("complete", labelSpace.complete());
        AtomicFiles.writeString(dir.resolve(FILE_NAME), Json.write(n));
    }

    /**
     * The card of a model or adapter folder, if it has one.
     *
     * @throws ExperimentException naming the file and field when the file is not a valid card
     */
    public static Optional<TaskCard> read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonNode n = Json.read(file);
        if (!n.isObject()) {
            throw new ExperimentException(file + ": expected a JSON object");
        }
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                throw new ExperimentException(file + ": unknown key '" + key + "'; expected " + new TreeSet<>(KEYS));
            }
        }
        JsonNode version = n.get("mmpeft_task");
        if (version == null || !version.isInt() || version.asInt() != VERSION) {
            throw new ExperimentException(file + ": mmpeft_task: expected version " + VERSION + ", found "
                    + (version == null ? "nothing" : version.toString()));
        }
        String format = text(n, "format", file);
        JsonNode templateNode = n.get("template");
        if (templateNode == null) {
            throw new ExperimentException(file + ": template: missing; expected a template name or object");
        }
        PromptTemplate template = TemplateJson.read(templateNode, file + ": template");
        AnswerFormat answerFormat = answerFormat(text(n, "answer_format", file), file);
        return Optional.of(new TaskCard(format, template, answerFormat, labelSpace(n.get("label_space"), file)));
    }

    /** A card and the file it came from. */
    public record Found(TaskCard card, Path file) {}

    /** The card of the first of {@code dirs} that has one (pass an adapter before its base model). */
    public static Optional<Found> find(Path... dirs) {
        for (Path d : dirs) {
            Optional<TaskCard> card = read(d);
            if (card.isPresent()) {
                return Optional.of(new Found(card.get(), d.resolve(FILE_NAME)));
            }
        }
        return Optional.empty();
    }

    private static String text(JsonNode n, String key, Path file) {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) {
            throw new ExperimentException(file + ": " + key + ": expected a string, found " + (v == null ? "nothing" : v.toString()));
        }
        return v.asText();
    }

    private static AnswerFormat answerFormat(String text, Path file) {
        for (AnswerFormat f : AnswerFormat.values()) {
            if (f.fileName().equals(text)) {
                return f;
            }
        }
        throw new ExperimentException(file + ": answer_format: unknown '" + text
                + "'; expected labelled_option, option_text, option_label, open_text or custom");
    }

    private static LabelSpace labelSpace(JsonNode n, Path file) {
        if (n == null || !n.isObject()) {
            throw new ExperimentException(file + ": label_space: expected an object with option_labels, answers and complete");
        }
        String labels = text(n, "option_labels", file);
        JsonNode answers = n.get("answers");
        if (answers == null || !answers.isArray()) {
            throw new ExperimentException(file + ": label_space.answers: expected a list of strings");
        }
        List<String> list = new ArrayList<>();
        for (JsonNode a : answers) {
            if (!a.isTextual()) {
                throw new ExperimentException(file + ": label_space.answers: expected strings, found " + a);
            }
            list.add(a.asText());
        }
        JsonNode complete = n.get("complete");
        if (complete == null || !complete.isBoolean()) {
            throw new ExperimentException(file + ": label_space.complete: expected true or false");
        }
        return new LabelSpace(labels, list, complete.asBoolean());
    }
}
