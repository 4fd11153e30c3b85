package dev.mmpeft.core;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.immutables.value.Value;

/**
 * One question about one or more images, as a dataset holds it: what every reader produces and
 * every evaluator scores against.
 *
 * <p>Multiple-choice records carry {@link #choices()} and {@link #answerIndex()}; open answers
 * (fill in the blank, VQA) carry {@link #answers()} (one or more reference answers). Record
 * fields that only some datasets have (subject, grade, topic, skills, ...) live in
 * {@link #metadata()} under the dataset's own field names, so nothing of the record is lost.
 */
@Value.Immutable
public abstract class MultimodalExample {
    /** The record's id in its dataset (ScienceQA/IconQA pid, JSONL id or line). */
    public abstract String id();

    /** The split this record belongs to ({@code train}, {@code val}, {@code test}, ...). */
    public abstract String split();

    /** Images of the question, in order; empty for a text-only record. */
    public abstract List<Path> images();

    /** The question text. */
    public abstract String question();

    /** The answer options of a multiple-choice question, in order; empty for open answers. */
    public abstract List<String> choices();

    /**
     * Images of the answer options, in the order of {@link #choices()}, for questions whose
     * options are pictures (IconQA choose_img); empty otherwise.
     */
    public abstract List<Path> choiceImages();

    /** The 0-based index of the correct option, for multiple choice. */
    public abstract OptionalInt answerIndex();

    /** Reference answers for open questions (several for VQA, one for fill in the blank). */
    public abstract List<String> answers();

    /** Context shown with the question (ScienceQA hint); empty when there is none. */
    @Value.Default
    public String context() {
        return "";
    }

    /** Background text (ScienceQA lecture); empty when there is none. */
    @Value.Default
    public String lecture() {
        return "";
    }

    /** The record's other fields (subject, grade, topic, category, skill, ques_type, ...). */
    public abstract Map<String, String> metadata();

    /** Skill labels (IconQA pid2skills, ScienceQA skill), empty when unknown. */
    public abstract List<String> skills();

    /** A metadata field, if the record has it. */
    public Optional<String> meta(String field) {
        return Optional.ofNullable(metadata().get(field));
    }

    /** Whether the question is multiple choice. */
    public boolean isMultipleChoice() {
        return !choices().isEmpty();
    }

    /** The text of the correct option. */
    public Optional<String> answerText() {
        if (answerIndex().isPresent() && answerIndex().getAsInt() < choices().size()) {
            return Optional.of(choices().get(answerIndex().getAsInt()));
        }
        return answers().isEmpty() ? Optional.empty() : Optional.of(answers().get(0));
    }

    /**
     * Checks that the fields agree with each other.
     *
     * @throws InvalidExampleException naming the example id and the field
     */
    @Value.Check
    protected void check() {
        if (id().isBlank()) {
            throw new InvalidExampleException("example id must not be blank (question: '" + question() + "')");
        }
        if (answerIndex().isPresent()) {
            int a = answerIndex().getAsInt();
            if (a < 0 || a >= choices().size()) {
                throw new InvalidExampleException(
                        "example "
                                + id()
                                + ": answer index "
                                + a
                                + " is out of range for "
                                + choices().size()
                                + " choices");
            }
        }
        if (!choiceImages().isEmpty() && choiceImages().size() != choices().size()) {
            throw new InvalidExampleException(
                    "example "
                            + id()
                            + ": "
                            + choiceImages().size()
                            + " choice images for "
                            + choices().size()
                            + " choices");
        }
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link MultimodalExample}; {@code build()} validates it. */
    public static class Builder extends ImmutableMultimodalExample.Builder {}
}
