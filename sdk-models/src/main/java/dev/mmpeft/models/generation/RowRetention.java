package dev.mmpeft.models.generation;

/**
 * Hears which rows of a batch greedy decoding still computes once some have finished
 * ({@link Generator#generate(dev.mmpeft.models.LanguageModel, ai.djl.ndarray.NDArray,
 * ai.djl.ndarray.NDArray, GenerationConfig, RowRetention)}). Why: whatever computes per row beside
 * the model, such as a server's per-row adapter routing, must follow the batch as it shrinks.
 */
@FunctionalInterface
public interface RowRetention {
    /**
     * Called before the first decoding step that runs on fewer rows.
     *
     * @param examples the batch's rows still decoding, as indices into the original batch, ascending;
     *     the next forward pass has exactly these rows in this order
     */
    void retain(long[] examples);
}
