package dev.mmpeft.datasets.prompt;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The papers' templates (peft-instructblip-visual-reasoning, Appendix B, following InstructBLIP):
 * ScienceQA {@code Context: {hint} {lecture} Question: {question} Options: (a) ... (b) ...
 * Answer:} and IconQA {@code Question: {question} Options: (a) x (b) y. Short answer:}, both with
 * lettered options and targets like {@code (b) sample A}; the Q-Former gets the same text.
 *
 * <p>For the captioning and knowledge-VQA sets of PETAL's tables, InstructBLIP's instructions:
 * {@code A short image description:} for captions and {@code Question: {question} Short answer:}
 * for short answers, trained on the most frequent human answer.
 *
 * <p>Start from one and change what you need: {@code PromptTemplates.scienceQa().withLabels(UPPER)}.
 */
public final class PromptTemplates {
    /** ScienceQA's input template. */
    public static final String SCIENCEQA = "Context: {context} Question: {question} Options: {options} Answer:";
    /**
     * LaVIN's ScienceQA input ({@code util/base_prompt.py}, input format {@code QCM}, stripped as
     * LaVIN strips it): question, context (the hint, {@code N/A} when empty), upper-case lettered
     * options, each on its own line, then {@code Response:}.
     */
    public static final String LAVIN_SCIENCEQA = "Question: {question}\nContext: {context}\nOptions: {options}\nResponse:";
    /** IconQA's input template (multiple choice). */
    public static final String ICONQA = "Question: {question} Options: {options}. Short answer:";
    /** IconQA's input template for fill-in-the-blank questions (no options). */
    public static final String ICONQA_OPEN = "Question: {question} Short answer:";

    /** InstructBLIP's captioning instruction (Flickr30K, TextCaps); the target is the caption. */
    public static final String CAPTION = "A short image description:";
    /** InstructBLIP's short-answer VQA instruction (OK-VQA, TextVQA, A-OKVQA direct answer). */
    public static final String VQA = "Question: {question} Short answer:";
    /** TextVQA with the image's OCR tokens before the question ({@code none} when it has none). */
    public static final String TEXTVQA_OCR = "OCR tokens: {context}. Question: {question} Short answer:";

    /**
     * The templates by name, in the order {@link #names()} lists them. Why names: a model or adapter
     * folder records how it was trained ({@code mmpeft_task.json}), and a name stays readable there
     * and on the command line ({@code --template scienceqa-answer-text}).
     */
    private static final Map<String, Supplier<PromptTemplate>> NAMED = named();

    private PromptTemplates() {}

    private static Map<String, Supplier<PromptTemplate>> named() {
        Map<String, Supplier<PromptTemplate>> m = new LinkedHashMap<>();
        m.put("scienceqa", PromptTemplates::scienceQa);
        m.put("scienceqa-answer-text", PromptTemplates::scienceQaAnswerText);
        m.put("iconqa", PromptTemplates::iconQa);
        m.put("caption", PromptTemplates::caption);
        m.put("vqa", PromptTemplates::vqa);
        m.put("textvqa-ocr", PromptTemplates::textVqaWithOcr);
        m.put("aokvqa", PromptTemplates::aOkVqa);
        m.put("aokvqa-direct-answer", PromptTemplates::aOkVqaDirectAnswer);
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The names {@link #named(String)} knows, e.g. {@code scienceqa}, {@code scienceqa-answer-text}, {@code iconqa}. */
    public static java.util.List<String> names() {
        return java.util.List.copyOf(NAMED.keySet());
    }

    /**
     * A template by its name (case ignored).
     *
     * @throws TemplateException naming the unknown name and the known ones
     */
    public static PromptTemplate named(String name) {
        Supplier<PromptTemplate> t = NAMED.get(name.strip().toLowerCase(Locale.ROOT));
        if (t == null) {
            throw new TemplateException("unknown template name '" + name + "'; known: " + String.join(", ", NAMED.keySet()));
        }
        return t.get();
    }

    /** The name of a template that equals one of the named ones (the first such name), else empty. */
    public static Optional<String> nameOf(PromptTemplate template) {
        return NAMED.entrySet().stream().filter(e -> e.getValue().get().equals(template)).map(Map.Entry::getKey).findFirst();
    }

    /**
     * ScienceQA's input with the option text itself as the target ({@code red}, not {@code (b) red}):
     * what small models trained from scratch learn best (the embedded default model is trained with it).
     */
    public static PromptTemplate scienceQaAnswerText() {
        return scienceQa().withTarget("{answer_text}");
    }

    /** ScienceQA: context = hint and lecture (N/A when both are empty), lettered options, target {@code (b) choice}. */
    public static PromptTemplate scienceQa() {
        return PromptTemplate.builder().input(SCIENCEQA).openInput("Context: {context} Question: {question} Answer:").build();
    }

    /**
     * LaVIN's ScienceQA prompt (released code, answer format {@code A}): {@link #LAVIN_SCIENCEQA}
     * with options {@code (A) x (B) y} and the target {@code The answer is B.}; the candidates are
     * the same sentence for each letter. Image-less questions render the same way: the LaVIN
     * processor marks them text-only ({@code Image: N/A}) for mixture-of-modality training.
     */
    public static PromptTemplate lavinScienceQa() {
        return PromptTemplate.builder().input(LAVIN_SCIENCEQA).target("The answer is {answer_label}.").labels(OptionLabels.UPPER)
                .contextFields(java.util.List.of("hint")).build();
    }

    /** IconQA: lettered options, {@code Short answer:}; fill-in-the-blank without options. */
    public static PromptTemplate iconQa() {
        return PromptTemplate.builder().input(ICONQA).openInput(ICONQA_OPEN).contextFields(java.util.List.of("hint"))
                .build();
    }

    /** Captioning (Flickr30K, TextCaps): {@code A short image description:}, target the caption. */
    public static PromptTemplate caption() {
        return PromptTemplate.builder().input(CAPTION).build();
    }

    /**
     * Short-answer VQA (OK-VQA, TextVQA): {@code Question: {question} Short answer:}; the target is
     * the most frequent of the ten human answers ({@code {best_answer}}).
     */
    public static PromptTemplate vqa() {
        return PromptTemplate.builder().input(VQA).target("{best_answer}").build();
    }

    /** TextVQA: as {@link #vqa()}. */
    public static PromptTemplate textVqa() {
        return vqa();
    }

    /** TextVQA with the optional OCR part: {@code OCR tokens: a b c. Question: ... Short answer:}. */
    public static PromptTemplate textVqaWithOcr() {
        return vqa().withInput(TEXTVQA_OCR).withContextFields(java.util.List.of("ocr_tokens")).withEmptyContext("none");
    }

    /**
     * A-OKVQA multiple choice, in the IconQA form: {@code Question: {question} Options: (a) x (b)
     * y. Short answer:}, target {@code (b) y}.
     */
    public static PromptTemplate aOkVqa() {
        return PromptTemplate.builder().input(ICONQA).build();
    }

    /** A-OKVQA direct answer: the options are ignored, the target is the most frequent direct answer. */
    public static PromptTemplate aOkVqaDirectAnswer() {
        return vqa().withIgnoreChoices(true);
    }

    /** For users' own data: the ScienceQA form (context from the record's context/hint and lecture). */
    public static PromptTemplate generic() {
        return scienceQa();
    }

    /**
     * The default template of a dataset format ({@code scienceqa}, {@code iconqa}, {@code
     * flickr30k}, {@code textcaps}, {@code okvqa}, {@code textvqa}, {@code aokvqa} (multiple
     * choice); anything else gets {@link #generic()}).
     */
    public static PromptTemplate forFormat(String format) {
        switch (format.toLowerCase(Locale.ROOT)) {
            case "scienceqa":
                return scienceQa();
            case "iconqa":
                return iconQa();
            case "flickr30k":
            case "textcaps":
                return caption();
            case "okvqa":
                return vqa();
            case "textvqa":
                return textVqa();
            case "aokvqa":
                return aOkVqa();
            default:
                return generic();
        }
    }

    /** A user template from a string, everything else as {@link #forFormat} gives for {@code format}. */
    public static PromptTemplate parse(String input, String format) {
        return forFormat(format).toBuilder().input(input).openInput(java.util.Optional.empty()).build();
    }
}
