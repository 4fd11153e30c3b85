package dev.mmpeft.datasets.prompt;

/**
 * How answer options are labelled in a prompt: {@code (a) (b)} as the papers' templates do, upper
 * case as ScienceQA's own GPT-3 prompts do, or numbers.
 */
public enum OptionLabels {
    /** a, b, c, ... */
    LOWER,
    /** A, B, C, ... */
    UPPER,
    /** 1, 2, 3, ... */
    NUMBER;

    /** The label of option {@code index} (0-based). */
    public String label(int index) {
        switch (this) {
            case LOWER:
                return index < 26 ? String.valueOf((char) ('a' + index)) : "a" + index;
            case UPPER:
                return index < 26 ? String.valueOf((char) ('A' + index)) : "A" + index;
            default:
                return String.valueOf(index + 1);
        }
    }
}
