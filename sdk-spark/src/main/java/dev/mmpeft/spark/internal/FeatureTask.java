package dev.mmpeft.spark.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.safetensors.DType;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.core.safetensors.TensorData;
import dev.mmpeft.core.train.Autograd;
import dev.mmpeft.models.instructblip.InstructBlip;
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
import org.apache.spark.api.java.function.Function2;

/**
 * What an executor does with one partition of distinct images: run the frozen vision encoder on
 * batches with the JVM's cached model, and write the features to safetensors shards of at most
 * {@code shardSize} images each (named by image hash), each published to the shared output
 * atomically. A retried partition rewrites the same shard names with the same content.
 */
public record FeatureTask(String modelDir, String modelId, SharedFolder.Location output, int batchSize, int shardSize)
        implements Function2<Integer, Iterator<FeatureTask.ImageRef>, Iterator<FeatureTask.ImageRef>>, Serializable {
    private static final long serialVersionUID = 1L;

    /** An image by content hash and path; after extraction, {@code shard} names the file that holds its features. */
    public record ImageRef(String hash, String path, String shard) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** The content hash of the image at {@code path} (executor side of the first pass). */
    public static ImageRef hash(String path) {
        return new ImageRef(FrozenFeatures.imageHash(Path.of(path)), path, "");
    }

    @Override
    public Iterator<ImageRef> call(Integer partition, Iterator<ImageRef> images) throws IOException {
        ExecutorModels.Loaded loaded = ExecutorModels.base(modelDir);
        SharedFolder out = output.open();
        List<ImageRef> written = new ArrayList<>();
        List<ImageRef> pending = new ArrayList<>();
        int shard = 0;
        while (images.hasNext()) {
            pending.add(images.next());
            if (pending.size() == shardSize || !images.hasNext()) {
                String name = String.format(Locale.ROOT, "%s-%05d-%04d.safetensors", FrozenFeatures.SHARD_PREFIX, partition, shard++);
                writeShard(loaded, pending, name, out);
                pending.forEach(r -> written.add(new ImageRef(r.hash(), r.path(), name)));
                pending.clear();
            }
        }
        return written.iterator();
    }

    private void writeShard(ExecutorModels.Loaded loaded, List<ImageRef> refs, String name, SharedFolder out) throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (int from = 0; from < refs.size(); from += batchSize) {
            List<ImageRef> batch = refs.subList(from, Math.min(refs.size(), from + batchSize));
            tensors.putAll(encode(loaded, batch));
        }
        Path scratch = Files.createTempDirectory("mmpeft-features-");
        try {
            Path file = scratch.resolve(name);
            SafetensorsWriter.writeData(file, tensors, Map.of(FrozenFeatures.FORMAT_KEY, FrozenFeatures.FORMAT,
                    FrozenFeatures.FEATURE_KEY, FrozenFeatures.VISION_FEATURE, FrozenFeatures.MODEL_KEY, modelId));
            out.publishFile(file, name);
        } finally {
            AtomicFiles.deleteRecursively(scratch);
        }
    }

    /** The vision encoder's output per image, copied out of the engine so the batch's memory is freed at once. */
    private static Map<String, TensorData> encode(ExecutorModels.Loaded loaded, List<ImageRef> batch) {
        InstructBlip model = loaded.model();
        model.setTraining(false);
        List<RgbImage> images = new ArrayList<>();
        for (ImageRef r : batch) {
            images.add(RgbImage.read(Path.of(r.path())));
        }
        Map<String, TensorData> out = new LinkedHashMap<>();
        try (NDManager scope = NDManager.newBaseManager(model.queryTokens().getArray().getDevice());
                Autograd.GradMode off = Autograd.gradMode(false)) {
            NDArray features = model.visionModel().forward(loaded.processor().imageProcessor().pixelValues(images, scope));
            long[] shape = features.getShape().getShape();
            long[] one = {shape[1], shape[2]};
            float[] all = features.toFloatArray();
            int per = Math.toIntExact(shape[1] * shape[2]);
            for (int i = 0; i < batch.size(); i++) {
                ByteBuffer bytes = ByteBuffer.allocate(per * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(all, i * per, per);
                out.put(batch.get(i).hash(), TensorData.lazy(DType.F32, one, () -> bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN)));
            }
        }
        return out;
    }
}
