package dev.mmpeft.models.instructblip;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import dev.mmpeft.core.cache.FeatureCache;
import dev.mmpeft.core.cache.FeatureKey;
import dev.mmpeft.core.provenance.Hashes;
import dev.mmpeft.models.nn.HfBlock;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole frozen prefix of an InstructBLIP (vision encoder, Q-Former with the instruction,
 * language projection) with its per-example outputs, the image features the language model reads,
 * read from and written to a {@link FeatureCache}. Why a second level above the vision features:
 * when only the language model is adapted, the Q-Former's forward costs far more than the vision
 * encoder's on small encoders, and its output depends on nothing but the image and the
 * instruction.
 *
 * <p>Key of one example: SHA-256 of the namespace {@code instructblip.image_features.v1}, the
 * vision model key ({@link VisionFeatureKeys}: its config and weights), the Q-Former config,
 * the number of queries, the hash of {@code query_tokens}, every {@code qformer.*} and
 * {@code language_projection.*} parameter (adapters included), the compute type, the pixel row's
 * digest and the Q-Former instruction ids and mask rows as given (padding included: two paddings
 * are two entries, so a hit is the very computation, not a near one).
 *
 * <p>Used only while it is exact: every one of those parts frozen, no query-feature hook active
 * (PETAL's instruction mixture reruns the Q-Former) and no dropout active, which in training mode
 * the Q-Former has ({@code hidden_dropout_prob}, {@code attention_probs_dropout_prob}, as in
 * transformers): so in training runs with Q-Former dropout it serves validation and evaluation,
 * not the training steps.
 */
final class ImageFeatureReuse {
    static final String NAMESPACE = "instructblip.image_features.v1";

    /** The uncached computation over some rows, given their pixel digests (the vision level's keys). */
    @FunctionalInterface
    interface Compute {
        NDArray imageFeatures(NDArray pixelValues, String[] pixelDigests, NDArray instructionIds, NDArray instructionMask);
    }

    private final InstructBlip model;
    private final VisionFeatureReuse vision;
    private final FeatureCache cache;
    private final Supplier<String> modelKey;

    private ImageFeatureReuse(InstructBlip model, VisionFeatureReuse vision, FeatureCache cache) {
        this.model = model;
        this.vision = vision;
        this.cache = cache;
        // hashed on first use, not when attached: a run that adapts the Q-Former never needs it
        this.modelKey = Suppliers.memoize(this::hashModel);
    }

    /**
     * Reuse over {@code cache} on top of {@code vision}'s, the Q-Former side's weights hashed when
     * first needed: the caller promises the frozen weights do not change while it is attached.
     */
    static ImageFeatureReuse of(InstructBlip model, VisionFeatureReuse vision, FeatureCache cache) {
        return new ImageFeatureReuse(model, vision, cache);
    }

    private String hashModel() {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            String name = e.getKey();
            boolean prefix = name.equals(InstructBlip.QUERY_TOKENS) || name.startsWith(InstructBlip.QFORMER + ".")
                    || name.startsWith(InstructBlip.LANGUAGE_PROJECTION + ".");
            if (prefix && e.getValue().isInitialized()) {
                arrays.put(name, e.getValue().getArray());
            }
        }
        return FeatureKey.builder().add(NAMESPACE).add(vision.modelKey()).add(model.config().qformerConfig().toString())
                .add(Integer.toString(model.config().numQueryTokens())).add(Hashes.sha256(arrays)).build();
    }

    /** Whether cached features are exactly what the prefix would compute now. */
    boolean exact() {
        var q = model.config().qformerConfig();
        boolean qformerDropout = model.qformer().isTraining() && (q.hiddenDropoutProb() > 0 || q.attentionProbsDropoutProb() > 0);
        return vision.exact() && !qformerDropout && !HfBlock.takesGradient(model.queryTokens()) && model.qformer().isFrozen()
                && model.languageProjection().isFrozen();
    }

    /**
     * The projected query features {@code [batch, num_query_tokens, lm_hidden]}; rows not cached
     * are computed by {@code compute} without autograd history (nothing in the prefix takes a
     * gradient) and stored.
     *
     * @param instructionIds int64 {@code [batch, len]}
     * @param instructionMask int64, same shape
     */
    NDArray forward(NDArray pixelValues, NDArray instructionIds, NDArray instructionMask, Compute compute) {
        String[] digests = VisionFeatureKeys.pixelDigests(pixelValues);
        int batch = digests.length;
        String computeType = VisionFeatureKeys.computeType(model.languageProjection());
        ByteBuffer[] ids = CachedRows.byteRows(instructionIds);
        ByteBuffer[] mask = CachedRows.byteRows(instructionMask);
        String[] keys = new String[batch];
        for (int b = 0; b < batch; b++) {
            keys[b] = FeatureKey.builder().add(modelKey.get()).add(computeType).add(digests[b]).add(ids[b]).add(mask[b]).build();
        }
        return CachedRows.of(cache, keys, pixelValues.getManager(), missing -> compute.imageFeatures(
                CachedRows.select(pixelValues, missing), missing.stream().map(b -> digests[b]).toArray(String[]::new),
                CachedRows.select(instructionIds, missing), CachedRows.select(instructionMask, missing)));
    }
}
