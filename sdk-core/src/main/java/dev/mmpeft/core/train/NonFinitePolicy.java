package dev.mmpeft.core.train;

/** What the trainer does when a batch's loss or gradient norm is NaN or infinite. */
public enum NonFinitePolicy {
    /** Stop the run with a {@link NonFiniteLossException} naming the step and the examples. */
    STOP,
    /**
     * Skip the optimizer step that contains the batch (its gradients are discarded, parameters and
     * optimizer state stay as they were), report it to the listeners and go on.
     */
    SKIP_BATCH
}
