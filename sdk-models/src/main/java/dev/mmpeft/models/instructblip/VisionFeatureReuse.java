package dev.mmpeft.models.instructblip;

import ai.djl.ndarray.NDArray;
import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import dev.mmpeft.core.cache.FeatureCache;
import dev.mmpeft.models.vision.InstructBlipVisionModel;

/**
 * The vision encoder of an InstructBLIP with its per-image outputs read from and written to a
 * {@link FeatureCache}, under {@link VisionFeatureKeys}. Why per image: batches are reshuffled
 * every epoch and differ between sweep cells, but each image's features do not while the encoder is
 * frozen. The encoder runs without autograd history here (it has no trainable tensor, so nothing is
 * lost), which also frees its activations at once.
 *
 * <p>Used only while it is exact: when any vision tensor requires a gradient (vision LoRA, full
 * fine-tuning) or attention dropout is active in training mode, the encoder runs as usual.
 */
final class VisionFeatureReuse {
    private final InstructBlipVisionModel vision;
    private final FeatureCache cache;
    private final Supplier<VisionFeatureKeys> keys;

    private VisionFeatureReuse(InstructBlipVisionModel vision, FeatureCache cache) {
        this.vision = vision;
        this.cache = cache;
        // hashed on first use, not when attached: a run whose encoder trains never needs the keys
        this.keys = Suppliers.memoize(() -> VisionFeatureKeys.of(vision));
    }

    /**
     * Reuse over {@code cache}, the weights hashed when first needed: the caller (the trainer, for
     * one run) promises the frozen weights do not change while it is attached.
     */
    static VisionFeatureReuse of(InstructBlipVisionModel vision, FeatureCache cache) {
        return new VisionFeatureReuse(vision, cache);
    }

    /** Whether cached features are exactly what the encoder would compute now. */
    boolean exact() {
        return !(vision.isTraining() && vision.config().attentionDropout() > 0) && vision.isFrozen();
    }

    /** The key part of every model-side input: namespace, config and weights (what {@link ImageFeatureReuse} builds on). */
    String modelKey() {
        return keys.get().modelKey();
    }

    /**
     * The encoder's output {@code [batch, tokens, hidden]} for {@code pixelValues}, whose rows'
     * {@link VisionFeatureKeys#pixelDigests} are given, cached rows read back; only while
     * {@link #exact()}.
     */
    NDArray forward(NDArray pixelValues, String[] pixelDigests) {
        return CachedRows.of(cache, keys.get().keys(pixelDigests), pixelValues.getManager(),
                missing -> vision.forward(CachedRows.select(pixelValues, missing)));
    }
}
