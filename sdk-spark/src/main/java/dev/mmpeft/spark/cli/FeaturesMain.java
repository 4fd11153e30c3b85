package dev.mmpeft.spark.cli;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.spark.SparkFeatures;
import dev.mmpeft.spark.SparkJobException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/**
 * {@code spark-submit --class dev.mmpeft.spark.cli.FeaturesMain sdk-spark-app.jar --model DIR --data DIR --output URI}:
 * the frozen vision encoder over every image of a dataset's splits, stored as feature-cache shards
 * that a training run pointed at the folder reads (and an index by image file hash).
 */
public final class FeaturesMain {
    static final String USAGE = String.join("\n",
            "Usage: spark-submit [spark options] --class dev.mmpeft.spark.cli.FeaturesMain sdk-spark-app.jar",
            "  --model DIR --model-id ID   Hugging Face InstructBLIP directory (same path on every executor) and its name",
            "  --data DIR --format F       dataset folder and format (default scienceqa)",
            "  --splits S1,S2              splits whose images to encode (default train,val,test)",
            "  --output URI                output folder (local path or Hadoop URI; best a fresh one)",
            "  --partitions N --batch-size N --shard-size N   (defaults: spark.default.parallelism, 8, 256)");

    private FeaturesMain() {}

    public static void main(String[] args) {
        MainArgs.run("FeaturesMain", USAGE, args, FeaturesMain::extract);
    }

    static void extract(String[] argv) throws Exception {
        MainArgs a = MainArgs.parse("FeaturesMain", argv,
                Set.of("--model", "--model-id", "--data", "--format", "--splits", "--output", "--partitions", "--batch-size",
                        "--shard-size"),
                Set.of());
        TaskData task = TaskData.of(a.get("--format").orElse("scienceqa"), a.path("--data"));
        List<Path> images = new ArrayList<>();
        for (String split : a.get("--splits").orElse("train,val,test").split(",")) {
            for (MultimodalExample e : task.examples(split.trim())) {
                images.addAll(e.images());
            }
        }
        if (images.isEmpty()) {
            throw new SparkJobException("no images in the splits of " + task.root());
        }
        Path model = a.path("--model");
        SparkSession spark = SparkSession.builder().appName("mmpeft features").getOrCreate();
        try {
            SparkFeatures.Result r = SparkFeatures.extract(spark, model, a.get("--model-id").orElse(model.toString()), images,
                    a.require("--output"), a.integer("--partitions", spark.sparkContext().defaultParallelism()),
                    a.integer("--batch-size", 8), a.integer("--shard-size", 256));
            System.out.printf("features: %d images, %d distinct, %d shards in %s%n", r.images(), r.distinct(), r.shards(), r.output());
        } finally {
            spark.stop();
        }
    }
}
