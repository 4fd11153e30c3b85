package dev.mmpeft.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.common.hash.Hashing;
import com.google.common.io.MoreFiles;
import dev.mmpeft.core.safetensors.Checkpoint;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A folder of frozen image features written by {@link SparkFeatures}: safetensors shards
 * ({@code features-<partition>-<n>.safetensors}) whose tensors are named by the SHA-256 of the image
 * file's bytes, and {@value #INDEX} mapping each name to its shard in the layout of a Hugging Face
 * sharded checkpoint index (so {@link Checkpoint#open} reads it too). Why by content hash: the same
 * picture under two paths is encoded once, and training finds an image's features from its bytes
 * alone. The format is described in {@code docs/file-formats/frozen-features.md}.
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
    /** The format's version, in the index metadata. */
    public static final String VERSION = "1";

    private final Checkpoint checkpoint;

    private FrozenFeatures(Checkpoint checkpoint) {
        this.checkpoint = checkpoint;
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
        String format = c.metadata().get(FORMAT_KEY);
        if (!FORMAT.equals(format)) {
            try {
                c.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            throw new SparkJobException(index + ": metadata." + FORMAT_KEY + " is " + (format == null ? "missing" : "'" + format + "'")
                    + "; expected '" + FORMAT + "'");
        }
        return new FrozenFeatures(c);
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

    /** How many images the folder holds. */
    public int size() {
        return checkpoint.names().size();
    }

    /** Whether the folder holds the features of the image with this hash. */
    public boolean contains(String imageHash) {
        return checkpoint.find(imageHash).isPresent();
    }

    /** The features of the image with this hash ({@code [1 + patches, hidden]}, float32), in {@code manager}. */
    public Optional<NDArray> load(String imageHash, NDManager manager) {
        return contains(imageHash) ? Optional.of(checkpoint.load(imageHash, manager)) : Optional.empty();
    }

    @Override
    public void close() throws IOException {
        checkpoint.close();
    }
}
