package dev.mmpeft.models.instructblip;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import com.google.common.hash.Hashing;
import dev.mmpeft.core.cache.FeatureKey;
import dev.mmpeft.core.provenance.Hashes;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.vision.InstructBlipVisionModel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@link dev.mmpeft.core.cache.FeatureCache} keys under which an InstructBLIP's vision features
 * are stored: what the trainer's cache looks up, and what another producer (Spark's feature
 * extraction) writes its entries under, so that a run pointed at that folder reads them instead of
 * running the encoder.
 *
 * <p>Key of one image: SHA-256 ({@link FeatureKey}) of a model key (SHA-256 of the namespace
 * {@value #NAMESPACE}, the vision config, and the hash of every vision parameter: names, shapes,
 * types, bytes, adapters included), the compute type and device kind of the weights
 * ({@code float32@cpu}), and the digest of the preprocessed pixel row ({@link #pixelDigests}).
 * Hashing the pixels covers both the image content and the preprocessing (size, resampling,
 * mean/std): any change to either gives other bytes. The weights are hashed once, when the keys
 * are made: make new keys after changing them.
 */
public final class VisionFeatureKeys {
    /** The namespace of vision-feature keys; its version changes whenever the key's recipe does. */
    public static final String NAMESPACE = "instructblip.vision_model.v2";

    private final InstructBlipVisionModel vision;
    private final String modelKey;

    private VisionFeatureKeys(InstructBlipVisionModel vision, String modelKey) {
        this.vision = vision;
        this.modelKey = modelKey;
    }

    /** The keys of {@code model}'s vision encoder, its weights hashed now. */
    public static VisionFeatureKeys of(InstructBlip model) {
        return of(model.visionModel());
    }

    static VisionFeatureKeys of(InstructBlipVisionModel vision) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : vision.namedParameters().entrySet()) {
            if (e.getValue().isInitialized()) {
                arrays.put(e.getKey(), e.getValue().getArray());
            }
        }
        String key = FeatureKey.builder().add(NAMESPACE).add(vision.config().toString()).add(Hashes.sha256(arrays)).build();
        return new VisionFeatureKeys(vision, key);
    }

    /** One key per row of {@code pixelValues} ({@code [batch, 3, size, size]}, as the processor makes them). */
    public String[] keys(NDArray pixelValues) {
        return keys(pixelDigests(pixelValues));
    }

    /** The keys of rows whose {@link #pixelDigests} are known. */
    String[] keys(String[] pixelDigests) {
        String computeType = computeType(vision);
        String[] keys = new String[pixelDigests.length];
        for (int b = 0; b < keys.length; b++) {
            keys[b] = FeatureKey.builder().add(modelKey).add(computeType).add(pixelDigests[b]).build();
        }
        return keys;
    }

    /** The model part of the key: namespace, config and weights (what {@link ImageFeatureReuse} builds on). */
    String modelKey() {
        return modelKey;
    }

    /**
     * One digest per pixel row: MurmurHash3 x64 128-bit (Guava's {@code murmur3_128}, seed 0) of the
     * row's shape and type (UTF-8), a {@code 0x1f} byte and the row's bytes, as 32 hex digits.
     * Computed once per batch and shared by every cached level that reads the pixels. Why not
     * SHA-256 as for the rest of the key: hashing the pixels is the cache's main cost (a 224x224 row
     * is 602 KB, 4.8 MB per batch of 8) and SHA-256 runs at ~140 MB/s under the launcher's C1
     * compiler, murmur3_128 at ~1.4 GB/s; a 128-bit hash keeps accidental collisions out of reach
     * (about n^2 / 2^129 for n images), though unlike SHA-256 it does not resist deliberately crafted
     * ones: share a cache folder only among people whose images you would train on anyway.
     */
    static String[] pixelDigests(NDArray pixelValues) {
        ByteBuffer[] rows = CachedRows.byteRows(pixelValues);
        byte[] rowShape = (pixelValues.getShape().slice(1).toString() + pixelValues.getDataType()).getBytes(StandardCharsets.UTF_8);
        String[] digests = new String[rows.length];
        for (int b = 0; b < rows.length; b++) {
            digests[b] = Hashing.murmur3_128().newHasher(rows[b].remaining() + rowShape.length + 1)
                    .putBytes(rowShape).putByte((byte) 0x1f).putBytes(rows[b]).hash().toString();
        }
        return digests;
    }

    /** The data type and device kind of the first initialized parameter of {@code block} (outputs differ by both). */
    static String computeType(HfBlock block) {
        return block.namedParameters().values().stream().filter(Parameter::isInitialized).findFirst()
                .map(p -> p.getArray().getDataType() + "@" + p.getArray().getDevice().getDeviceType()).orElse("none");
    }
}
