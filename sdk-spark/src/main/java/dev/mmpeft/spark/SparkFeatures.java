package dev.mmpeft.spark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.base.Preconditions;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.spark.internal.FeatureTask;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Frozen-feature extraction on Spark: the frozen vision encoder of an InstructBLIP model runs over
 * a dataset's images once, and its outputs are stored as feature-cache shards, readable by image
 * ({@link FrozenFeatures}) and by the trainer: point a run's {@code featureCacheDir} (a sweep's
 * {@code OUTPUT/feature-cache}) at the folder and it reads the features instead of running the
 * encoder. Why: with the vision encoder frozen (as in every PEFT setting of the papers) it computes
 * the same features every epoch and every sweep cell; computing them once on a cluster and reading
 * them back saves most of the forward pass.
 *
 * <pre>{@code
 * SparkFeatures.Result r = SparkFeatures.extract(spark, modelDir, "my-model", imagePaths, "hdfs:///features/sqa", 16, 8, 256);
 * }</pre>
 *
 * <p>Two passes: the executors hash the images (content SHA-256) and the driver keeps one path per
 * distinct hash; then each partition encodes its images in batches and publishes shards of at most
 * {@code shardSize} images; the driver writes the index last, so a folder with an index is complete.
 * The Q-Former is not extracted: InstructBLIP's Q-Former reads the instruction as well as the image,
 * so its output is not a function of the image alone.
 */
public final class SparkFeatures {
    private SparkFeatures() {}

    /** What an extraction wrote: images given, distinct images (tensors), shards, and the folder. */
    public record Result(int images, int distinct, int shards, String output) {}

    /**
     * Extracts the vision features of {@code images} (same paths on every executor) into {@code output} (a local path or
     * Hadoop filesystem URI, best a fresh folder).
     */
    public static Result extract(SparkSession spark, Path modelDir, String modelId, List<Path> images, String output,
            int partitions, int batchSize, int shardSize) throws IOException {
        Preconditions.checkArgument(partitions >= 1 && batchSize >= 1 && shardSize >= 1,
                "partitions, batch size and shard size must be >= 1, got %s, %s, %s", partitions, batchSize, shardSize);
        if (images.isEmpty()) {
            throw new SparkJobException("images: none given; expected at least one image path");
        }
        Set<String> paths = new LinkedHashSet<>();
        images.forEach(p -> paths.add(p.toAbsolutePath().toString()));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        jsc.setJobDescription("mmpeft features: hashing " + paths.size() + " images");
        List<FeatureTask.ImageRef> hashed = jsc.parallelize(new ArrayList<>(paths), partitions).map(FeatureTask::hash).collect();
        // one path per distinct content, in hash order: the shards' contents do not depend on the input order
        Map<String, FeatureTask.ImageRef> distinct = new TreeMap<>();
        hashed.stream().sorted(Comparator.comparing(FeatureTask.ImageRef::path)).forEach(r -> distinct.putIfAbsent(r.hash(), r));

        SharedFolder.Location location = SharedFolder.location(output, spark.sparkContext().hadoopConfiguration());
        FeatureTask task = new FeatureTask(modelDir.toAbsolutePath().toString(), modelId, location, batchSize, shardSize);
        jsc.setJobDescription("mmpeft features: encoding " + distinct.size() + " images");
        List<FeatureTask.ImageRef> written = jsc.parallelize(new ArrayList<>(distinct.values()), partitions)
                .mapPartitionsWithIndex(task, false).collect();

        ObjectNode index = Json.mapper().createObjectNode();
        ObjectNode meta = index.putObject("metadata");
        meta.put(FrozenFeatures.FORMAT_KEY, FrozenFeatures.FORMAT);
        meta.put("version", FrozenFeatures.VERSION);
        meta.put(FrozenFeatures.FEATURE_KEY, FrozenFeatures.VISION_FEATURE);
        meta.put(FrozenFeatures.MODEL_KEY, modelId);
        meta.put("images", Integer.toString(written.size()));
        ObjectNode map = index.putObject("weight_map");
        ObjectNode byImage = index.putObject(FrozenFeatures.IMAGES_KEY);
        Set<String> shards = new LinkedHashSet<>();
        written.stream().sorted(Comparator.comparing(FeatureTask.ImageRef::hash)).forEach(r -> {
            map.put(r.key(), r.shard());
            byImage.put(r.hash(), r.key());
            shards.add(r.shard());
        });
        SharedFolder out = location.open();
        out.writeString(FrozenFeatures.INDEX, Json.write(index));
        return new Result(images.size(), written.size(), shards.size(), out.uri());
    }
}
