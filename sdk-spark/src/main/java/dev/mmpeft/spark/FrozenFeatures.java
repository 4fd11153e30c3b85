package dev.mmpeft.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.common.hash.Hashing;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.io.MoreFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.safetensors.Checkpoint;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A folder of frozen image features written by {@link SparkFeatures}: feature-cache shards
 * ({@code features-<partition>-<n>.safetensors}, metadata {@code format: mmpeft-feature-cache}),
 * whose tensors are named by the key the trainer's {@link dev.mmpeft.core.cache.FeatureCache}
 * looks each image up under ({@link dev.mmpeft.models.instructblip.VisionFeatureKeys}), and
 * {@value #INDEX}: each name's shard in the layout of a Hugging Face sharded checkpoint index (so
 * {@link Checkpoint#open} reads it too) plus {@value #IMAGES_KEY}, the SHA-256 of each image
 * file's bytes to its name. Why both: a run pointed at the folder ({@code featureCacheDir}) finds
 * the features from the preprocessed pixels, as it computes them, while a reader here finds them
 * from the file alone; the same picture under two paths is encoded once. The format is described
 * in {@code docs/file-formats.md}.
 *
 * <pre>{@code
 * try (FrozenFeatures f = FrozenFeatures.open(dir); NDManager m = NDManager.newBaseManager()) {
 *     NDArray image = f.load(FrozenFeatures.imageHash(png), m).orElseThrow(); // [1 + patches, hidden]
 * }
 * }</pre>
 */
public final class FrozenFeatures implements Closeable {
    /** The index file of a features folder. */
    public static final String INDEX = "features.safetensors.index.json";
    /** The shards' file name prefix. */
    public static final String SHARD_PREFIX = "features";
    /** The metadata key naming the format, and its value. */
    public static final String FORMAT_KEY = "format";
    public static final String FORMAT = "mmpeft-frozen-features";
    /** The metadata key saying which output the features are, and the vision encoder's. */
    public static final String FEATURE_KEY = "feature";
    public static final String VISION_FEATURE = "vision_model.last_hidden_state";
    /** The metadata key of the model the features were computed with. */
    public static final String MODEL_KEY = "model";
    /** The format's version, in the index metadata (2: tensors named by feature-cache keys). */
    public static final String VERSION = "2";
    /** The index member mapping each image file's SHA-256 to its tensor's name. */
    public static final String IMAGES_KEY = "images";

    private final Checkpoint checkpoint;
    private final Map<String, String> keysByImage;

    private FrozenFeatures(Checkpoint checkpoint, Map<String, String> keysByImage) {
        this.checkpoint = checkpoint;
        this.keysByImage = keysByImage;
    }

    /**
     * Opens the features folder {@code dir} (or its index file).
     *
     * @throws SparkJobException when the index is not of this format; a damaged shard is a
     *     {@code SafetensorsException} naming the file
     */
    public static FrozenFeatures open(Path dir) {
        Path index = dir.getFileName() != null && dir.getFileName().toString().endsWith(".json") ? dir : dir.resolve(INDEX);
        Checkpoint c = Checkpoint.open(index);
        try {
            String format = c.metadata().get(FORMAT_KEY);
            if (!FORMAT.equals(format)) {
                throw new SparkJobException(index + ": metadata." + FORMAT_KEY + " is " + (format == null ? "missing" : "'" + format + "'")
                        + "; expected '" + FORMAT + "'");
            }
            return new FrozenFeatures(c, keysByImage(index, c.metadata().get("version")));
        } catch (RuntimeException e) {
            try {
                c.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The index's {@value #IMAGES_KEY} object: image file hash to tensor name. */
    private static Map<String, String> keysByImage(Path index, String version) {
        String expected = "; expected version '" + VERSION + "' with an '" + IMAGES_KEY + "' object (extract the features again)";
        if (!VERSION.equals(version)) {
            throw new SparkJobException(index + ": metadata.version is '" + version + "'" + expected);
        }
        JsonNode images;
        try {
            images = Json.mapper().readTree(index.toFile()).get(IMAGES_KEY);
        } catch (IOException e) {
            throw new SparkJobException(index + ": cannot be read (" + e.getMessage() + ")", e);
        }
        if (images == null || !images.isObject()) {
            throw new SparkJobException(index + ": no '" + IMAGES_KEY + "' object" + expected);
        }
        Map<String, String> keys = new HashMap<>();
        images.fields().forEachRemaining(e -> keys.put(e.getKey(), e.getValue().asText()));
        return Map.copyOf(keys);
    }

    /** The SHA-256 (lower-case hex) of an image file's bytes: the name of its features. */
    public static String imageHash(Path image) {
        try {
            return MoreFiles.asByteSource(image).hash(Hashing.sha256()).toString();
        } catch (IOException e) {
            throw new SparkJobException("image " + image + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /** The index metadata: format, version, feature, model, count, shape. */
    public Map<String, String> metadata() {
        return checkpoint.metadata();
    }

    /** How many distinct image files the folder holds features of. */
    public int size() {
        return keysByImage.size();
    }

    /** Whether the folder holds the features of the image with this hash. */
    public boolean contains(String imageHash) {
        return cacheKey(imageHash).isPresent();
    }

    /** The feature-cache key (the tensor's name) of the image with this hash. */
    public Optional<String> cacheKey(String imageHash) {
        return Optional.ofNullable(keysByImage.get(imageHash)).filter(k -> checkpoint.find(k).isPresent());
    }

    /** The features of the image with this hash ({@code [1 + patches, hidden]}, float32), in {@code manager}. */
    public Optional<NDArray> load(String imageHash, NDManager manager) {
        return cacheKey(imageHash).map(k -> checkpoint.load(k, manager));
    }

    @Override
    public void close() throws IOException {
        checkpoint.close();
    }
}
