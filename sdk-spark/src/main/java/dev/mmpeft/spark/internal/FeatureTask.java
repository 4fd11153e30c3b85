package dev.mmpeft.spark.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.cache.FeatureCache;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.safetensors.DType;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.core.safetensors.TensorData;
import dev.mmpeft.core.train.Autograd;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.VisionFeatureKeys;
import dev.mmpeft.models.processing.RgbImage;
import dev.mmpeft.spark.FrozenFeatures;
import dev.mmpeft.spark.SharedFolder;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.function.Function2;

/**
 * What an executor does with one partition of distinct images: run the frozen vision encoder on
 * batches with the JVM's cached model, and write the features to safetensors shards of at most
 * {@code shardSize} images each, published to the shared output atomically. The shards are
 * feature-cache shards ({@link FeatureCache#FORMAT}): each tensor is named by the key the trainer's
 * cache looks the image up under ({@link VisionFeatureKeys}), so a run pointed at the folder reads
 * them. A retried partition rewrites the same shard names with the same content.
 */
public record FeatureTask(String modelDir, String modelId, SharedFolder.Location output, int batchSize, int shardSize)
        implements Function2<Integer, Iterator<FeatureTask.ImageRef>, Iterator<FeatureTask.ImageRef>>, Serializable {
    private static final long serialVersionUID = 1L;
    /** Per executor JVM and model folder: hashing the vision weights once, not per partition. */
    private static final Map<String, VisionFeatureKeys> KEYS = new ConcurrentHashMap<>();

    /**
     * An image by file content hash and path; after extraction, {@code key} names its features (a
     * feature-cache key) and {@code shard} the file that holds them.
     */
    public record ImageRef(String hash, String path, String key, String shard) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** The content hash of the image at {@code path} (executor side of the first pass). */
    public static ImageRef hash(String path) {
        return new ImageRef(FrozenFeatures.imageHash(Path.of(path)), path, "", "");
    }

    @Override
    public Iterator<ImageRef> call(Integer partition, Iterator<ImageRef> images) throws IOException {
        ExecutorModels.Loaded loaded = ExecutorModels.base(modelDir);
        VisionFeatureKeys keys = KEYS.computeIfAbsent(modelDir, d -> VisionFeatureKeys.of(loaded.model()));
        SharedFolder out = output.open();
        List<ImageRef> written = new ArrayList<>();
        List<ImageRef> pending = new ArrayList<>();
        int shard = 0;
        while (images.hasNext()) {
            pending.add(images.next());
            if (pending.size() == shardSize || !images.hasNext()) {
                String name = String.format(Locale.ROOT, "%s-%05d-%04d.safetensors", FrozenFeatures.SHARD_PREFIX, partition, shard++);
                written.addAll(writeShard(loaded, keys, pending, name, out));
                pending.clear();
            }
        }
        return written.iterator();
    }

    private List<ImageRef> writeShard(ExecutorModels.Loaded loaded, VisionFeatureKeys keys, List<ImageRef> refs, String name,
            SharedFolder out) throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        List<ImageRef> written = new ArrayList<>();
        for (int from = 0; from < refs.size(); from += batchSize) {
            List<ImageRef> batch = refs.subList(from, Math.min(refs.size(), from + batchSize));
            String[] batchKeys = encode(loaded, keys, batch, tensors);
            for (int i = 0; i < batch.size(); i++) {
                written.add(new ImageRef(batch.get(i).hash(), batch.get(i).path(), batchKeys[i], name));
            }
        }
        Path scratch = Files.createTempDirectory("mmpeft-features-");
        try {
            Path file = scratch.resolve(name);
            SafetensorsWriter.writeData(file, tensors, Map.of(FrozenFeatures.FORMAT_KEY, FeatureCache.FORMAT, "version",
                    FeatureCache.VERSION, FrozenFeatures.FEATURE_KEY, FrozenFeatures.VISION_FEATURE, FrozenFeatures.MODEL_KEY, modelId));
            out.publishFile(file, name);
        } finally {
            AtomicFiles.deleteRecursively(scratch);
        }
        return written;
    }

    /**
     * The vision encoder's output per image into {@code out} under its feature-cache key (two files
     * whose preprocessed pixels are the same share one entry), copied out of the engine so the
     * batch's memory is freed at once; returns the batch's keys.
     */
    private static String[] encode(ExecutorModels.Loaded loaded, VisionFeatureKeys keys, List<ImageRef> batch,
            Map<String, TensorData> out) {
        InstructBlip model = loaded.model();
        model.setTraining(false);
        List<RgbImage> images = new ArrayList<>();
        for (ImageRef r : batch) {
            images.add(RgbImage.read(Path.of(r.path())));
        }
        try (NDManager scope = NDManager.newBaseManager(model.queryTokens().getArray().getDevice());
                Autograd.GradMode off = Autograd.gradMode(false)) {
            NDArray pixels = loaded.processor().imageProcessor().pixelValues(images, scope);
            String[] batchKeys = keys.keys(pixels);
            NDArray features = model.visionModel().forward(pixels);
            long[] shape = features.getShape().getShape();
            long[] one = {shape[1], shape[2]};
            float[] all = features.toFloatArray();
            int per = Math.toIntExact(shape[1] * shape[2]);
            for (int i = 0; i < batch.size(); i++) {
                ByteBuffer bytes = ByteBuffer.allocate(per * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(all, i * per, per);
                out.put(batchKeys[i], TensorData.lazy(DType.F32, one, () -> bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN)));
            }
            return batchKeys;
        }
    }
}
