package dev.mmpeft.datasets.prompt;

import java.util.Locale;

/**
 * The papers' templates (peft-instructblip-visual-reasoning, Appendix B, following InstructBLIP):
 * ScienceQA {@code Context: {hint} {lecture} Question: {question} Options: (a) ... (b) ...
 * Answer:} and IconQA {@code Question: {question} Options: (a) x (b) y. Short answer:}, both with
 * lettered options and targets like {@code (b) sample A}; the Q-Former gets the same text.
 *
 * <p>Start from one and change what you need: {@code PromptTemplates.scienceQa().withLabels(UPPER)}.
 */
public final class PromptTemplates {
    /** ScienceQA's input template. */
    public static final String SCIENCEQA = "Context: {context} Question: {question} Options: {options} Answer:";
    /** IconQA's input template (multiple choice). */
    public static final String ICONQA = "Question: {question} Options: {options}. Short answer:";
    /** IconQA's input template for fill-in-the-blank questions (no options). */
    public static final String ICONQA_OPEN = "Question: {question} Short answer:";

    private PromptTemplates() {}

    /** ScienceQA: context = hint and lecture (N/A when both are empty), lettered options, target {@code (b) choice}. */
    public static PromptTemplate scienceQa() {
        return PromptTemplate.builder().input(SCIENCEQA).openInput("Context: {context} Question: {question} Answer:").build();
    }

    /** IconQA: lettered options, {@code Short answer:}; fill-in-the-blank without options. */
    public static PromptTemplate iconQa() {
        return PromptTemplate.builder().input(ICONQA).openInput(ICONQA_OPEN).contextFields(java.util.List.of("hint"))
                .build();
    }

    /** For users' own data: the ScienceQA form (context from the record's context/hint and lecture). */
    public static PromptTemplate generic() {
        return scienceQa();
    }

    /** The default template of a dataset format ({@code scienceqa}, {@code iconqa}, anything else gets {@link #generic()}). */
    public static PromptTemplate forFormat(String format) {
        switch (format.toLowerCase(Locale.ROOT)) {
            case "scienceqa":
                return scienceQa();
            case "iconqa":
                return iconQa();
            default:
                return generic();
        }
    }

    /** A user template from a string, everything else as {@link #forFormat} gives for {@code format}. */
    public static PromptTemplate parse(String input, String format) {
        return forFormat(format).toBuilder().input(input).openInput(java.util.Optional.empty()).build();
    }
}
