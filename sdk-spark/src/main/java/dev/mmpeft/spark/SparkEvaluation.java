package dev.mmpeft.spark;

import com.google.common.base.Preconditions;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.eval.Evaluators;
import dev.mmpeft.models.generation.Predictor;
import dev.mmpeft.spark.internal.InferenceTask;
import dev.mmpeft.spark.internal.Rows;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Batch inference and evaluation on Spark: prompts (rendered from any sdk-datasets reader, or a
 * DataFrame with image path and prompt columns) are split into partitions, each executor answers
 * its partitions with a model (and adapter) it loads once per JVM, by candidate scoring or batched
 * generation exactly as {@link Predictor} does on one machine, and the predictions come back as a
 * DataFrame (optionally Parquet). {@link #evaluate} scores the gathered predictions with the task's
 * sdk-eval evaluator. Why: evaluating a model on a full benchmark is embarrassingly parallel.
 *
 * <pre>{@code
 * SparkEvaluation eval = SparkEvaluation.of(modelDir).adapter(adapterDir);
 * SparkEvaluation.Outcome o = eval.evaluate(spark, TaskData.of("scienceqa", data), examples, 16, Optional.of("hdfs:///preds"));
 * Dataset<Row> answers = eval.predict(SparkEvaluation.promptsOf(frame, "id", "image_path", "prompt"));
 * }</pre>
 *
 * <p>Candidate scoring answers each prompt on its own, so its predictions do not depend on the
 * partitioning. Generation pads a batch to its longest prompt, so which prompts share a batch can
 * move logits in their last bits; greedy answers almost never change, but they are not guaranteed
 * bit-identical to one machine's unless the batches are the same.
 */
public final class SparkEvaluation {
    private final Path modelDir;
    private final Optional<Path> adapter;
    private final Predictor.Method method;
    private final int numBeams;
    private final int maxNewTokens;
    private final int batchSize;

    private SparkEvaluation(Path modelDir, Optional<Path> adapter, Predictor.Method method, int numBeams, int maxNewTokens,
            int batchSize) {
        this.modelDir = modelDir.toAbsolutePath();
        this.adapter = adapter.map(Path::toAbsolutePath);
        this.method = method;
        this.numBeams = numBeams;
        this.maxNewTokens = maxNewTokens;
        this.batchSize = batchSize;
    }

    /** Evaluation with the Hugging Face InstructBLIP model in {@code modelDir} (same path on every executor), answering as {@link Predictor#of} does. */
    public static SparkEvaluation of(Path modelDir) {
        return new SparkEvaluation(modelDir, Optional.empty(), Predictor.Method.AUTO, 1, Predictor.DEFAULT_MAX_NEW_TOKENS, 8);
    }

    /** The same with the PEFT adapter in {@code dir} applied (same path on every executor). */
    public SparkEvaluation adapter(Path dir) {
        return new SparkEvaluation(modelDir, Optional.of(dir), method, numBeams, maxNewTokens, batchSize);
    }

    /** The same answering by {@code newMethod}. */
    public SparkEvaluation method(Predictor.Method newMethod) {
        return new SparkEvaluation(modelDir, adapter, newMethod, numBeams, maxNewTokens, batchSize);
    }

    /** The same generating with {@code beams} beams (1: greedy) and up to {@code maxTokens} new tokens. */
    public SparkEvaluation generation(int beams, int maxTokens) {
        Preconditions.checkArgument(beams >= 1 && maxTokens >= 1, "beams and max new tokens must be >= 1, got %s and %s", beams,
                maxTokens);
        return new SparkEvaluation(modelDir, adapter, method, beams, maxTokens, batchSize);
    }

    /** The same generating for {@code n} prompts at a time (default 8, as {@link Predictor}). */
    public SparkEvaluation batchSize(int n) {
        Preconditions.checkArgument(n >= 1, "batch size must be >= 1, got %s", n);
        return new SparkEvaluation(modelDir, adapter, method, numBeams, maxNewTokens, n);
    }

    /** What an evaluation produced: the evaluator's result and the predictions (cached) as a DataFrame and by example id. */
    public record Outcome(EvaluationResult result, Dataset<Row> predictions, Map<String, Prediction> byId) {}

    /** Rendered prompts as a DataFrame of {@code partitions} contiguous slices ({@code id, images, instruction, input, candidates}). */
    public static Dataset<Row> prompts(SparkSession spark, List<Prompt> prompts, int partitions) {
        Preconditions.checkArgument(partitions >= 1, "partitions must be >= 1, got %s", partitions);
        Set<String> ids = new HashSet<>();
        for (Prompt p : prompts) {
            if (!ids.add(p.exampleId())) {
                throw new SparkJobException("prompts: example id '" + p.exampleId() + "' occurs twice; predictions are keyed by id");
            }
        }
        JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(prompts.stream().map(Rows::prompt).toList(), partitions);
        return spark.createDataFrame(rows, Rows.PROMPT_SCHEMA);
    }

    /**
     * A DataFrame with an id, an image path and a prompt column as prompts: the prompt goes to the
     * language model and the Q-Former (as transformers' processor does); no answer options, so the
     * predictions are generated text.
     */
    public static Dataset<Row> promptsOf(Dataset<Row> frame, String idColumn, String imageColumn, String promptColumn) {
        for (String c : List.of(idColumn, imageColumn, promptColumn)) {
            Rows.requireColumn(frame.schema(), c, DataTypes.StringType, "prompt frame");
        }
        Column prompt = functions.col(promptColumn);
        return frame.select(functions.col(idColumn).as("id"), functions.array(functions.col(imageColumn)).as("images"),
                prompt.as("instruction"), prompt.as("input"),
                functions.array().cast(DataTypes.createArrayType(DataTypes.StringType, false)).as("candidates"));
    }

    /** The predictions of a prompt DataFrame ({@link #prompts} or {@link #promptsOf}): {@code id, choice_index, text}, one row per prompt. */
    public Dataset<Row> predict(Dataset<Row> prompts) {
        for (String c : List.of("id", "instruction", "input")) {
            Rows.requireColumn(prompts.schema(), c, DataTypes.StringType, "prompts");
        }
        InferenceTask task = new InferenceTask(modelDir.toString(), adapter.map(Path::toString).orElse(""), method.name(), numBeams,
                maxNewTokens, batchSize, batchSize * 8);
        Dataset<Row> ordered = prompts.select("id", "images", "instruction", "input", "candidates");
        JavaRDD<Row> out = ordered.javaRDD().mapPartitions(task);
        return prompts.sparkSession().createDataFrame(out, Rows.PREDICTION_SCHEMA);
    }

    /**
     * Answers {@code examples} rendered with {@code data}'s template across {@code partitions} partitions, writes the
     * predictions as Parquet to {@code predictionsUri} if given, and scores them with the format's evaluator
     * ({@link Evaluators#forFormat}) — what {@code Experiment.evaluate} computes on one machine.
     */
    public Outcome evaluate(SparkSession spark, dev.mmpeft.experiments.TaskData data, List<MultimodalExample> examples,
            int partitions, Optional<String> predictionsUri) {
        Dataset<Row> predictions = predict(prompts(spark, data.template().renderAll(examples), partitions)).cache();
        predictionsUri.ifPresent(uri -> predictions.write().mode(SaveMode.Overwrite).parquet(uri));
        Map<String, Prediction> byId = collect(predictions);
        if (byId.size() != examples.size()) {
            throw new SparkJobException("evaluation: " + byId.size() + " predictions came back for " + examples.size()
                    + " examples; expected one per example");
        }
        return new Outcome(Evaluators.forFormat(data.format()).evaluate(examples, byId), predictions, byId);
    }

    /** The predictions of a DataFrame ({@code id, choice_index, text}) gathered on the driver, by example id. */
    public static Map<String, Prediction> collect(Dataset<Row> predictions) {
        Map<String, Prediction> out = new LinkedHashMap<>();
        for (Row r : predictions.select("id", "choice_index", "text").collectAsList()) {
            Prediction p = Rows.prediction(r);
            if (out.put(p.exampleId(), p) != null) {
                throw new SparkJobException("predictions: example id '" + p.exampleId() + "' occurs twice");
            }
        }
        return out;
    }
}
