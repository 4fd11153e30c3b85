package dev.mmpeft.datasets.synthetic;

import java.util.List;

/**
 * Which task the generator writes. {@link #BASE} asks about colour, shape and count; {@link
 * #SHIFTED} asks a family a base-trained model has never seen ({@link QuestionFamily#COLOR_MATCH}:
 * "Which thing has the same color as the shape?" with answers cherry, leaf, sea, banana, grape,
 * carrot), on images drawn exactly like the base ones. A model trained on the base task has the
 * visual features (colour) but not the words, so it answers at chance until fine-tuned; a small
 * adapter then only has to map colour to word.
 */
public enum Variant {
    BASE(List.of(QuestionFamily.COLOR, QuestionFamily.SHAPE, QuestionFamily.COUNT)),
    SHIFTED(List.of(QuestionFamily.COLOR_MATCH));

    private final List<QuestionFamily> families;

    Variant(List<QuestionFamily> families) {
        this.families = families;
    }

    /** The question families this variant asks by default. */
    public List<QuestionFamily> families() {
        return families;
    }
}
