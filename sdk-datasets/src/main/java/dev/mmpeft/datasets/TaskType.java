package dev.mmpeft.datasets;

/**
 * What a dataset format asks of a model, so a pipeline can pick candidate scoring or generation
 * and the matching evaluator from the format alone ({@link DatasetReaderProvider#taskType()}).
 *
 * <p>Why a declared type and not a look at the examples: a test split without answers, or a
 * captioning example and a one-answer question, can look alike; the format knows which it is.
 */
public enum TaskType {
    /** Options and an answer index: score each option (ScienceQA). */
    MULTIPLE_CHOICE,
    /** A short free-text answer checked against several human answers (OK-VQA, TextVQA). */
    OPEN_VQA,
    /** A generated caption scored against reference captions (Flickr30K, TextCaps). */
    CAPTIONING,
    /**
     * Both at once: options with an answer index and human direct answers in the same example
     * (A-OKVQA's multiple-choice and direct-answer settings).
     */
    MULTIPLE_CHOICE_AND_OPEN_VQA,
    /** Decided per example: multiple choice when it has options, open otherwise (IconQA, JSONL). */
    PER_EXAMPLE;

    /** Whether examples of this type can be answered by scoring their options. */
    public boolean scoresCandidates() {
        return this == MULTIPLE_CHOICE || this == MULTIPLE_CHOICE_AND_OPEN_VQA || this == PER_EXAMPLE;
    }

    /** Whether examples of this type can need a generated answer or caption. */
    public boolean generates() {
        return this != MULTIPLE_CHOICE;
    }
}
