package dev.mmpeft.models.generation;

/**
 * transformers' {@code early_stopping} for beam search: when a batch item stops looking for
 * better hypotheses.
 */
public enum EarlyStopping {
    /**
     * {@code False} (the default): stop when the best running beam, scored at the current length,
     * cannot beat the worst of {@code num_beams} finished hypotheses.
     */
    HEURISTIC,
    /** {@code True}: stop as soon as {@code num_beams} hypotheses have finished. */
    EAGER,
    /**
     * {@code "never"}: canonical beam search; with a positive length penalty the best running beam
     * is scored at the maximum length.
     */
    NEVER
}
