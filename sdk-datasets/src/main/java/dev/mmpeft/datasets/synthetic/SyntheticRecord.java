package dev.mmpeft.datasets.synthetic;

import java.util.List;
import java.util.Optional;

/**
 * One generated question: its scene and the fields the layout writers put in the files.
 *
 * @param pid the record's id in its layout ({@code 1}, {@code 2}, ...)
 * @param split train, val or test
 * @param family the kind of question
 * @param scene the shapes drawn (empty for a text-only record)
 * @param question the question text
 * @param choices the options, answer among them at {@link #answer()}
 * @param answer 0-based index of the correct option
 * @param hint context text ("" when none); for a text-only record it states the fact asked
 * @param grade ScienceQA grade ({@code grade1}..{@code grade12})
 * @param caption a caption of the image (gives the answer away: only in captions.json)
 * @param solution an explanation that gives the answer
 * @param choiceScenes for IconQA choose_img: one scene per option, else empty
 */
public record SyntheticRecord(
        String pid,
        String split,
        QuestionFamily family,
        List<Shape> scene,
        String question,
        List<String> choices,
        int answer,
        String hint,
        String grade,
        String caption,
        String solution,
        List<List<Shape>> choiceScenes) {

    /** Whether the record has an image. */
    public boolean hasImage() {
        return !scene.isEmpty();
    }

    /** The text of the correct option. */
    public String answerText() {
        return choices.get(answer);
    }

    /** The ScienceQA lecture. */
    public String lecture() {
        return family.lecture();
    }

    /** The IconQA grade ({@code prek}, {@code kindergarten}, {@code grade1}..{@code grade6}), derived from {@link #grade()}. */
    public String iconQaGrade() {
        int g = Integer.parseInt(grade.substring("grade".length()));
        return g <= 1 ? "prek" : g == 2 ? "kindergarten" : "grade" + Math.min(6, g - 2);
    }

    /** The hint, if any. */
    public Optional<String> hintText() {
        return hint.isEmpty() ? Optional.empty() : Optional.of(hint);
    }
}
