package dev.mmpeft.datasets.prompt;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.immutables.value.Value;

/**
 * Renders a {@link MultimodalExample} into the {@link Prompt} an InstructBLIP model reads: the
 * language-model {@link Prompt#input() input}, the Q-Former {@link Prompt#instruction()
 * instruction} (by default the same text, as LAVIS feeds the prompt to both), the {@link
 * Prompt#target() target} ({@code (b) sample A} for multiple choice, as the papers add letters to
 * the options and the answer) and one {@link Prompt#candidates() candidate} per option, rendered
 * like the target, for candidate scoring.
 *
 * <p>Templates are strings with named placeholders:
 * <ul>
 *   <li>{@code {question}}, {@code {options}} (alias {@code {choices}}: the lettered options
 *       joined, e.g. {@code (a) red (b) blue}), {@code {context}} (the {@link #contextFields()}
 *       that are non-empty, joined; {@link #emptyContext()} when none is);
 *   <li>{@code {hint}}, {@code {lecture}}, {@code {solution}}, {@code {caption}}, {@code {id}},
 *       {@code {split}}, and {@code {meta.FIELD}} for any metadata field;
 *   <li>{@code {answer}} (the correct option as formatted, or the open answer),
 *       {@code {answer_text}}, {@code {answer_label}} — for targets and few-shot prompts;
 *   <li>{@code {best_answer}}: the most frequent of the example's reference answers (the first
 *       given on a tie), the training target of VQA data with ten human answers.
 * </ul>
 * {@code {{} and {@code }}} are literal braces. An unknown placeholder is an error when the
 * template is built. Runs of spaces left by empty fields are collapsed and the ends trimmed (as
 * ScienceQA's own prompt builder does) unless {@link #collapseSpaces()} is off.
 */
@Value.Immutable
public abstract class PromptTemplate {
    /** The placeholders of input, instruction and target templates. */
    public static final Set<String> PLACEHOLDERS = ImmutableSet.of("question", "options", "choices", "context", "hint",
            "lecture", "solution", "caption", "answer", "answer_text", "answer_label", "best_answer", "id", "split");
    /** The placeholders of {@link #optionFormat()}. */
    public static final Set<String> OPTION_PLACEHOLDERS = ImmutableSet.of("label", "choice", "index");

    private static final Pattern SPACES = Pattern.compile(" {2,}");

    /** The language-model input for multiple-choice examples (and open ones without {@link #openInput()}). */
    public abstract String input();

    /** The language-model input for open questions (no choices), e.g. IconQA fill-in-the-blank. */
    public abstract Optional<String> openInput();

    /** The Q-Former instruction; empty means the rendered input, as LAVIS's InstructBLIP does. */
    public abstract Optional<String> instruction();

    /** The target (and, with each option in turn as the answer, the candidates). */
    @Value.Default
    public String target() {
        return "{answer}";
    }

    /** How one option is written: placeholders {@code {label}}, {@code {choice}}, {@code {index}} (0-based). */
    @Value.Default
    public String optionFormat() {
        return "({label}) {choice}";
    }

    /** Between formatted options. */
    @Value.Default
    public String optionSeparator() {
        return " ";
    }

    /** How options are labelled. */
    @Value.Default
    public OptionLabels labels() {
        return OptionLabels.LOWER;
    }

    /**
     * The fields {@code {context}} is made of, in order: {@code hint} (the example's context),
     * {@code lecture}, or any metadata field ({@code caption}, {@code solution}, ...).
     */
    @Value.Default
    public List<String> contextFields() {
        return List.of("hint", "lecture");
    }

    /** Between context fields. */
    @Value.Default
    public String contextSeparator() {
        return " ";
    }

    /** {@code {context}} when every context field is empty ({@code N/A}, as ScienceQA's prompts write it). */
    @Value.Default
    public String emptyContext() {
        return "N/A";
    }

    /** Collapse runs of spaces and trim the rendered texts. */
    @Value.Default
    public boolean collapseSpaces() {
        return true;
    }

    /** Also hand the option images (IconQA choose_img) to the model, after the question images. */
    @Value.Default
    public boolean includeChoiceImages() {
        return false;
    }

    /**
     * Render every example as an open question, even one with options: no options in the input,
     * no candidates, the target from its reference answers (A-OKVQA's direct-answer setting,
     * whose examples carry both options and direct answers).
     */
    @Value.Default
    public boolean ignoreChoices() {
        return false;
    }

    @Value.Lazy
    TemplateText inputText() {
        return TemplateText.parse(input(), "input", PLACEHOLDERS);
    }

    @Value.Lazy
    Optional<TemplateText> openInputText() {
        return openInput().map(t -> TemplateText.parse(t, "openInput", PLACEHOLDERS));
    }

    @Value.Lazy
    Optional<TemplateText> instructionText() {
        return instruction().map(t -> TemplateText.parse(t, "instruction", PLACEHOLDERS));
    }

    @Value.Lazy
    TemplateText targetText() {
        return TemplateText.parse(target(), "target", PLACEHOLDERS);
    }

    @Value.Lazy
    TemplateText optionText() {
        return TemplateText.parse(optionFormat(), "optionFormat", OPTION_PLACEHOLDERS);
    }

    @Value.Check
    protected void check() {
        // parse everything now: a typo fails when the template is built, not in the middle of a run
        inputText();
        openInputText();
        instructionText();
        targetText();
        optionText();
        for (String f : contextFields()) {
            if (f.isBlank()) {
                throw new TemplateException("contextFields: blank field name in " + contextFields());
            }
        }
    }

    /** Renders one example. */
    public Prompt render(MultimodalExample example) {
        List<String> options = new ArrayList<>(example.choices().size());
        for (int i = 0; i < example.choices().size(); i++) {
            options.add(option(i, example.choices().get(i)));
        }
        boolean mc = example.isMultipleChoice() && !ignoreChoices();
        Optional<String> answerText = example.answerText();
        int answerIndex = example.answerIndex().orElse(-1);
        String answer = mc ? (answerIndex >= 0 ? options.get(answerIndex) : "") : answerText.orElse("");
        Function<String, String> values = values(example, options, answer, answerText.orElse(""),
                answerIndex >= 0 ? labels().label(answerIndex) : "");

        TemplateText inputTemplate = mc ? inputText() : openInputText().orElse(inputText());
        String input = finish(inputTemplate.render(values));
        String instruction = instructionText().map(t -> finish(t.render(values))).orElse(input);

        Prompt.Builder b = Prompt.builder()
                .exampleId(example.id())
                .images(example.images())
                .instruction(instruction)
                .input(input)
                .answerIndex(example.answerIndex());
        if (includeChoiceImages()) {
            b.addAllImages(example.choiceImages());
        }
        if (mc) {
            ImmutableList.Builder<String> candidates = ImmutableList.builder();
            for (int i = 0; i < options.size(); i++) {
                candidates.add(finish(targetText().render(values(example, options, options.get(i),
                        example.choices().get(i), labels().label(i)))));
            }
            List<String> c = candidates.build();
            b.candidates(c);
            if (answerIndex >= 0) {
                b.target(c.get(answerIndex));
            }
        } else if (!example.answers().isEmpty() || (answerText.isPresent() && !ignoreChoices())) {
            b.target(finish(targetText().render(values)));
        }
        return b.build();
    }

    /** Renders many. */
    public List<Prompt> renderAll(List<MultimodalExample> examples) {
        return examples.stream().map(this::render).toList();
    }

    /** The formatted option {@code index} with text {@code choice}, e.g. {@code (b) sample A}. */
    public String option(int index, String choice) {
        return optionText().render(name -> switch (name) {
            case "label" -> labels().label(index);
            case "choice" -> choice;
            case "index" -> String.valueOf(index);
            default -> throw new IllegalStateException(name);
        });
    }

    /** The {@code {context}} text of an example. */
    public String context(MultimodalExample example) {
        List<String> parts = new ArrayList<>();
        for (String f : contextFields()) {
            String v = field(example, f).strip();
            if (!v.isEmpty()) {
                parts.add(v);
            }
        }
        return parts.isEmpty() ? emptyContext() : String.join(contextSeparator(), parts);
    }

    private Function<String, String> values(
            MultimodalExample ex, List<String> options, String answer, String answerText, String answerLabel) {
        return name -> {
            switch (name) {
                case "question":
                    return ex.question();
                case "options":
                case "choices":
                    return String.join(optionSeparator(), options);
                case "context":
                    return context(ex);
                case "answer":
                    return answer;
                case "answer_text":
                    return answerText;
                case "answer_label":
                    return answerLabel;
                case "best_answer":
                    return mostFrequent(ex.answers());
                case "id":
                    return ex.id();
                case "split":
                    return ex.split();
                default:
                    return field(ex, name.startsWith(TemplateText.META_PREFIX)
                            ? name.substring(TemplateText.META_PREFIX.length()) : name);
            }
        };
    }

    /** The most frequent answer, the first given among equally frequent ones; empty when there are none. */
    static String mostFrequent(List<String> answers) {
        java.util.Map<String, Integer> counts = new java.util.LinkedHashMap<>(); // first-seen order breaks ties
        for (String a : answers) {
            counts.merge(a, 1, Integer::sum);
        }
        String best = "";
        int bestCount = 0;
        for (java.util.Map.Entry<String, Integer> e : counts.entrySet()) {
            if (e.getValue() > bestCount) {
                bestCount = e.getValue();
                best = e.getKey();
            }
        }
        return best;
    }

    private static String field(MultimodalExample ex, String name) {
        switch (name) {
            case "hint":
            case "context":
                return ex.context();
            case "lecture":
                return ex.lecture();
            default:
                return ex.meta(name).orElse("");
        }
    }

    private String finish(String text) {
        return collapseSpaces() ? SPACES.matcher(text).replaceAll(" ").strip() : text;
    }

    /** A template whose input is {@code input}, everything else default. */
    public static PromptTemplate of(String input) {
        return builder().input(input).build();
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    // the variants users derive most, on the template itself (Immutables implements them)

    /** A copy with another target. */
    public abstract PromptTemplate withTarget(String target);

    /** A copy with another option format. */
    public abstract PromptTemplate withOptionFormat(String optionFormat);

    /** A copy with other option labels. */
    public abstract PromptTemplate withLabels(OptionLabels labels);

    /** A copy that also hands (or stops handing) the option images to the model. */
    public abstract PromptTemplate withIncludeChoiceImages(boolean includeChoiceImages);

    /** A copy with another input text. */
    public abstract PromptTemplate withInput(String input);

    /** A copy whose {@code {context}} joins these record fields. */
    public abstract PromptTemplate withContextFields(Iterable<String> contextFields);

    /** A copy with another text for an empty context. */
    public abstract PromptTemplate withEmptyContext(String emptyContext);

    /** A copy that renders multiple-choice records as open questions (or not). */
    public abstract PromptTemplate withIgnoreChoices(boolean ignoreChoices);

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link PromptTemplate}; {@code build()} validates it. */
    public static class Builder extends ImmutablePromptTemplate.Builder {}
}
