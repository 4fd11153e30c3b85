package dev.mmpeft.peft.spi;

/**
 * What a method attaches to one module of the adapted model, shared by every adapter of that method
 * on the module (PEFT keeps one {@code lora.Linear} per module with a dict of adapters): it computes
 * with the active adapters and can be turned off, merged, or emptied adapter by adapter.
 */
public interface AdapterLayer {
    /** The adapters that compute, in order; names this layer does not hold are ignored. */
    void setActive(java.util.List<String> adapters);

    /** Turns every adapter of this layer off (the base computation only) or back on. */
    void setDisabled(boolean disabled);

    /** Removes an adapter's parts (its arrays are closed by the caller). */
    void remove(String adapter);

    /** Whether no adapter is left. */
    boolean isEmpty();

    /** Takes the layer out of the model. */
    void detach();

    /** Whether the active adapters can be folded into the base weights. */
    boolean canMerge();

    /**
     * Folds the active adapters into new weight arrays the module then uses; the base arrays are
     * never written.
     *
     * @throws dev.mmpeft.peft.PeftException when the method cannot merge
     */
    void merge();

    /** Points the module back at its original arrays (bit for bit); a no-op when not merged. */
    void unmerge();

    /**
     * Whether a layer of another type may sit on the same module as this one (two methods on one
     * module only where their combination is defined); none by default.
     */
    default boolean combinesWith(Class<? extends AdapterLayer> other) {
        return false;
    }

    /**
     * The named extra loss terms of the last training loss this layer took part in (PETAL's
     * {@code sib}), as they entered the loss; none by default. The trainer logs them beside the loss.
     */
    default java.util.Map<String, Double> lossTerms() {
        return java.util.Map.of();
    }

    /**
     * Whether this layer can compute each batch row with its own adapter ({@link #route}); false by
     * default, for methods whose computation is not per row (prefixes, prompts).
     */
    default boolean routesRows() {
        return false;
    }

    /**
     * From now on computes each batch row with the adapter {@code routes} gives its example, ignoring
     * the active adapters: rows of adapters this layer does not hold, and rows without adapter,
     * compute as the base layer does. {@code null} goes back to the active adapters. Every row's
     * output equals what the row computes alone with its adapter active.
     *
     * @throws dev.mmpeft.peft.PeftException when the method cannot route rows (the default; see
     *     {@link #routesRows()})
     */
    default void route(@org.jspecify.annotations.Nullable RowRoutes routes) {
        throw new dev.mmpeft.peft.PeftException(getClass().getSimpleName()
                + " cannot compute batch rows with different adapters; serve its adapters in batches of their own");
    }
}
