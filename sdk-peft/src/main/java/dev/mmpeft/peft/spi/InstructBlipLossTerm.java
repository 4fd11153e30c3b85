package dev.mmpeft.peft.spi;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.instructblip.InstructBlipOutput;
import java.util.Optional;

/**
 * An extra term of an adapted InstructBLIP's training loss, added to the language model's loss
 * (PETAL's score-based information bottleneck is one). A method attaches it as a
 * {@link dev.mmpeft.models.instructblip.QueryFeatureHook} that also implements this interface; the
 * adapted model's loss adds every term that applies.
 *
 * <p>Why here and not in the model: the term is a training objective of the adapter, computed from
 * what the forward pass already returns (the projected query outputs) and the batch's inputs.
 */
public interface InstructBlipLossTerm {
    /** The term for a batch, weighted as it enters the loss, or empty when it does not apply now. */
    Optional<NDArray> term(InstructBlip model, InstructBlipInputs inputs, InstructBlipOutput output);
}
