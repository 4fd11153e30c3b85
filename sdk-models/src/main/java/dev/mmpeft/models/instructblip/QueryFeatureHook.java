package dev.mmpeft.models.instructblip;

import ai.djl.ndarray.NDArray;

/**
 * Something a PEFT method attaches to an {@link InstructBlip} ({@link InstructBlip#attachQueryFeatureHook})
 * that decides which query outputs the language projection reads: it may run the Q-Former several
 * times over the same image features, with other instructions, and combine the outputs (PETAL's
 * adaptive instruction mixture of experts does).
 *
 * <p>Why a hook on the model: the instructions change inside the forward pass, between the vision
 * encoder (run once) and the projection, where no layer-level hook reaches. Without a hook, or with
 * an inactive one, the model computes exactly what it computes without this interface.
 */
public interface QueryFeatureHook {
    /** The Q-Former over the batch's image features with one instruction. */
    @FunctionalInterface
    interface QFormerRun {
        /**
         * The query outputs {@code [batch, num_query_tokens, qformer hidden]}.
         *
         * @param instructionIds Q-Former instruction ids {@code [batch, len]} (int64)
         * @param instructionMask their 0/1 mask, same shape (int64)
         */
        NDArray queryOutputs(NDArray instructionIds, NDArray instructionMask);
    }

    /**
     * The query outputs {@code [batch, num_query_tokens, qformer hidden]} the projection reads.
     *
     * @param qformer runs the Q-Former with an instruction
     * @param instructionIds the batch's own instruction ids (int64)
     * @param instructionMask their mask (int64)
     */
    NDArray queryOutputs(QFormerRun qformer, NDArray instructionIds, NDArray instructionMask);

    /** Whether it currently takes part in the forward pass. */
    boolean isActive();
}
