package dev.mmpeft.spark.cli;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.eval.report.Reports;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.models.generation.Predictor;
import dev.mmpeft.spark.SparkEvaluation;
import dev.mmpeft.spark.SparkJobException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/**
 * {@code spark-submit --class dev.mmpeft.spark.cli.EvaluateMain sdk-spark-app.jar --model DIR --data DIR ...}: a
 * model (optionally with an adapter) on a dataset split across the cluster, with the official breakdown, as
 * {@code ./mmpeft evaluate}; the predictions are written as Parquet.
 */
public final class EvaluateMain {
    static final String USAGE = String.join("\n",
            "Usage: spark-submit [spark options] --class dev.mmpeft.spark.cli.EvaluateMain sdk-spark-app.jar",
            "  --model DIR           Hugging Face InstructBLIP directory (same path on every executor)",
            "  --adapter DIR         a PEFT adapter to apply (same path on every executor)",
            "  --data DIR            dataset folder;  --format F  scienceqa, iconqa or jsonl (default scienceqa)",
            "  --split S             split to evaluate (default test)",
            "  --partitions N        partitions of the examples (default: spark.default.parallelism)",
            "  --method M            auto, candidate_scoring or generation (default auto)",
            "  --num-beams N --max-new-tokens N --batch-size N   generation (default 1, 30, 8)",
            "  --predictions URI     write the predictions as Parquet here (local path or Hadoop URI)",
            "  --report-dir DIR      write the result's JSON, Markdown and CSV here (on the driver)");

    private EvaluateMain() {}

    public static void main(String[] args) {
        MainArgs.run("EvaluateMain", USAGE, args, EvaluateMain::evaluate);
    }

    static void evaluate(String[] argv) throws Exception {
        MainArgs a = MainArgs.parse("EvaluateMain", argv,
                Set.of("--model", "--adapter", "--data", "--format", "--split", "--partitions", "--method", "--num-beams",
                        "--max-new-tokens", "--batch-size", "--predictions", "--report-dir"),
                Set.of());
        TaskData task = TaskData.of(a.get("--format").orElse("scienceqa"), a.path("--data"));
        String split = a.get("--split").orElse("test");
        List<MultimodalExample> examples = task.examples(split);
        if (examples.isEmpty()) {
            throw new SparkJobException("no " + task.format() + " examples in split '" + split + "' under " + task.root());
        }
        Predictor.Method method;
        try {
            method = Predictor.Method.valueOf(a.get("--method").orElse("auto").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new SparkJobException("EvaluateMain: --method must be auto, candidate_scoring or generation, got '"
                    + a.require("--method") + "'");
        }
        SparkEvaluation eval = SparkEvaluation.of(a.path("--model")).method(method)
                .generation(a.integer("--num-beams", 1), a.integer("--max-new-tokens", Predictor.DEFAULT_MAX_NEW_TOKENS))
                .batchSize(a.integer("--batch-size", 8));
        if (a.get("--adapter").isPresent()) {
            eval = eval.adapter(a.path("--adapter"));
        }
        SparkSession spark = SparkSession.builder().appName("mmpeft evaluate").getOrCreate();
        try {
            int partitions = a.integer("--partitions", spark.sparkContext().defaultParallelism());
            SparkEvaluation.Outcome o = eval.evaluate(spark, task, examples, partitions, a.get("--predictions"));
            EvaluationResult r = o.result();
            System.out.print(Reports.markdown(r));
            System.out.printf(Locale.ROOT, "%s on %s split '%s' (%d examples, %d partitions): %.2f%%%n", r.evaluator(), task.format(),
                    split, examples.size(), partitions, r.headline());
            Optional<Path> reports = a.get("--report-dir").map(Path::of);
            if (reports.isPresent()) {
                Files.createDirectories(reports.get());
                Reports.writeAll(r, reports.get());
                System.out.println("reports: " + reports.get().toAbsolutePath());
            }
        } finally {
            spark.stop();
        }
    }
}
