package dev.mmpeft.datasets;

/**
 * How a captioning dataset (Flickr30K, TextCaps) turns an image with several reference captions
 * into examples.
 *
 * <p>Training learns from every caption, evaluation scores one generated caption per image against
 * all references: LAVIS builds its caption datasets the same way (one sample per caption for
 * training, one per image with the reference list for evaluation), so {@link #BY_SPLIT} is the
 * default.
 */
public enum CaptionExamples {
    /** {@link #PER_CAPTION} for training splits ({@code train}, {@code restval}), {@link #PER_IMAGE} otherwise. */
    BY_SPLIT,
    /**
     * One example per image: {@code id} is the image id, {@code answers()} all its reference
     * captions (what a caption evaluator scores against).
     */
    PER_IMAGE,
    /**
     * One example per caption: {@code id} is {@code IMAGE#K} (K the caption's 0-based position
     * among the image's captions), {@code answers()} that one caption (the training target).
     */
    PER_CAPTION;

    /** Whether split {@code split} is read one example per caption. */
    public boolean perCaption(String split) {
        return switch (this) {
            case PER_CAPTION -> true;
            case PER_IMAGE -> false;
            case BY_SPLIT -> split.equals("train") || split.equals("restval");
        };
    }
}
