package dev.mmpeft.models.instructblip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.mmpeft.core.cache.FeatureCache;
import dev.mmpeft.core.cache.FeatureKey;
import dev.mmpeft.core.provenance.Hashes;
import dev.mmpeft.core.train.Autograd;
import dev.mmpeft.models.vision.InstructBlipVisionModel;
import com.google.common.hash.Hashing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The vision encoder of an InstructBLIP with its per-image outputs read from and written to a
 * {@link FeatureCache}. Why per image: batches are reshuffled every epoch and differ between sweep
 * cells, but each image's features do not while the encoder is frozen.
 *
 * <p>Key of one image: SHA-256 of the namespace {@code instructblip.vision_model.v2}, the vision
 * config, the hash of every vision parameter (names, shapes, types, bytes, adapters included),
 * the compute type and device kind, and the digest of the preprocessed pixel row (its shape, type
 * and bytes, {@link #rowDigests}: 128-bit murmur3, for speed). Hashing
 * the pixels covers both the image content and the preprocessing (size, resampling, mean/std):
 * any change to either gives other bytes. The encoder runs without autograd history here (it has
 * no trainable tensor, so nothing is lost), which also frees its activations at once.
 *
 * <p>Used only while it is exact: when any vision tensor requires a gradient (vision LoRA, full
 * fine-tuning) or attention dropout is active in training mode, the encoder runs as usual.
 */
final class VisionFeatureReuse {
    static final String NAMESPACE = "instructblip.vision_model.v2";

    private final InstructBlipVisionModel vision;
    private final FeatureCache cache;
    private final String modelKey;

    private VisionFeatureReuse(InstructBlipVisionModel vision, FeatureCache cache, String modelKey) {
        this.vision = vision;
        this.cache = cache;
        this.modelKey = modelKey;
    }

    /**
     * Reuse over {@code cache}, with the weights hashed now: the caller (the trainer, for one run)
     * promises the frozen weights do not change while it is attached.
     */
    static VisionFeatureReuse of(InstructBlipVisionModel vision, FeatureCache cache) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : vision.namedParameters().entrySet()) {
            if (e.getValue().isInitialized()) {
                arrays.put(e.getKey(), e.getValue().getArray());
            }
        }
        String key = FeatureKey.builder().add(NAMESPACE).add(vision.config().toString()).add(Hashes.sha256(arrays)).build();
        return new VisionFeatureReuse(vision, cache, key);
    }

    /** Whether cached features are exactly what the encoder would compute now. */
    boolean exact() {
        return !(vision.isTraining() && vision.config().attentionDropout() > 0) && vision.isFrozen();
    }

    /** The key part of every model-side input: namespace, config and weights (what {@link ImageFeatureReuse} builds on). */
    String modelKey() {
        return modelKey;
    }

    /**
     * One digest per pixel row: MurmurHash3 x64 128-bit (Guava's {@code murmur3_128}, seed 0) of the
     * row's shape and type (UTF-8) and its bytes, as 32 hex digits. Computed once per batch and
     * shared by every cached level that reads the pixels. Why not SHA-256 as for the rest of the key:
     * hashing the pixels is the cache's main cost (a 224x224 row is 602 KB, 4.8 MB per batch of 8)
     * and SHA-256 runs at ~140 MB/s under the launcher's C1 compiler, murmur3_128 at ~1.4 GB/s; a
     * 128-bit hash keeps accidental collisions out of reach (about n^2 / 2^129 for n images), though
     * unlike SHA-256 it does not resist deliberately crafted ones: share a cache folder only among
     * people whose images you would train on anyway.
     */
    static String[] rowDigests(NDArray pixelValues) {
        int batch = Math.toIntExact(pixelValues.getShape().get(0));
        ByteBuffer all = pixelValues.toByteBuffer();
        int rowBytes = all.remaining() / Math.max(batch, 1);
        byte[] rowShape = (pixelValues.getShape().slice(1).toString() + pixelValues.getDataType()).getBytes(StandardCharsets.UTF_8);
        String[] digests = new String[batch];
        for (int b = 0; b < batch; b++) {
            ByteBuffer row = all.duplicate();
            row.position(b * rowBytes).limit((b + 1) * rowBytes);
            digests[b] = Hashing.murmur3_128().newHasher(rowBytes + rowShape.length + 1)
                    .putBytes(rowShape).putByte((byte) 0x1f).putBytes(row).hash().toString();
        }
        return digests;
    }

    /** The data type and device kind of the first initialized parameter of {@code block} (outputs differ by both). */
    static String computeType(dev.mmpeft.models.nn.HfBlock block) {
        return block.namedParameters().values().stream().filter(Parameter::isInitialized).findFirst()
                .map(p -> p.getArray().getDataType() + "@" + p.getArray().getDevice().getDeviceType()).orElse("none");
    }

    /** The encoder's output {@code [batch, tokens, hidden]} for {@code pixelValues}, cached rows read back. */
    NDArray forward(NDArray pixelValues) {
        return exact() ? forward(pixelValues, rowDigests(pixelValues)) : vision.forward(pixelValues);
    }

    /** As {@link #forward(NDArray)} with the pixel rows' {@link #rowDigests} already computed; only while {@link #exact()}. */
    NDArray forward(NDArray pixelValues, String[] pixelDigests) {
        int batch = pixelDigests.length;
        NDManager manager = pixelValues.getManager();
        String computeType = computeType(vision);
        String[] keys = new String[batch];
        NDArray[] rows = new NDArray[batch];
        List<Integer> missing = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            keys[b] = FeatureKey.builder().add(modelKey).add(computeType).add(pixelDigests[b]).build();
            Optional<NDArray> hit = cache.get(keys[b], manager);
            if (hit.isPresent()) {
                rows[b] = hit.get();
            } else {
                missing.add(b);
            }
        }
        if (!missing.isEmpty()) {
            NDArray computed;
            try (Autograd.GradMode off = Autograd.gradMode(false)) {
                NDArray input = missing.size() == batch ? pixelValues : stackRows(pixelValues, missing);
                computed = vision.forward(input);
            }
            if (missing.size() == batch) {
                for (int b = 0; b < batch; b++) {
                    cache.put(keys[b], computed.get(b));
                }
                return computed;
            }
            for (int j = 0; j < missing.size(); j++) {
                int b = missing.get(j);
                rows[b] = computed.get(j);
                cache.put(keys[b], rows[b]);
            }
        }
        return NDArrays.stack(new NDList(rows), 0);
    }

    static NDArray stackRows(NDArray batch, List<Integer> which) {
        NDList rows = new NDList();
        for (int b : which) {
            rows.add(batch.get(b));
        }
        return NDArrays.stack(rows, 0);
    }
}
