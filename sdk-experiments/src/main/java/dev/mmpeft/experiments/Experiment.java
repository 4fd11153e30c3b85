package dev.mmpeft.experiments;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.cache.FeatureCache;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.io.OutputLock;
import dev.mmpeft.core.train.EarlyStopping;
import dev.mmpeft.core.train.FeatureReuse;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.TrainingResult;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.schedule.Schedules;
import dev.mmpeft.eval.Evaluators;
import dev.mmpeft.eval.Scores;
import dev.mmpeft.eval.report.Comparison;
import dev.mmpeft.eval.report.Reports;
import dev.mmpeft.models.generation.Predictor;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.ParameterReport;
import dev.mmpeft.plots.EvaluationCharts;
import dev.mmpeft.plots.LossCurvePlot;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One run of the papers' experiment: evaluate a model zero-shot, fine-tune it with one
 * {@link FineTuning} setting (validation each epoch, early stopping, the best adapter kept), and
 * evaluate it again on the held-out split, writing everything a user wants to look at afterwards.
 *
 * <pre>{@code
 * Experiment.Outcome o = Experiment.run(base, processor, "my-model", TaskData.of("scienceqa", dir),
 *         FineTuning.lora(EnumSet.of(QFORMER_CROSS_ATTN), 2), Path.of("runs/r2"), true, false, System.out);
 * }</pre>
 *
 * <p>Output folder: {@code zero-shot/} and {@code fine-tuned/} (result JSON, Markdown, CSV, per-example
 * records, bar chart), {@code comparison/} (per group, with the difference), {@code adapter/} (Hugging
 * Face PEFT layout), {@code training/} (metrics JSONL/CSV, loss curve PNG, provenance, best
 * checkpoint), {@code trainable-parameters.txt}, and {@code summary.json}, written last: its
 * presence means the run finished.
 *
 * <p>The base model is never modified: PEFT works on a twin structure that shares its frozen arrays.
 */
public final class Experiment {
    /** The file whose presence marks a finished run. */
    public static final String SUMMARY = "summary.json";
    /** The trainer's folder inside a setting's output: checkpoints, logs, the feature cache unless one is shared. */
    private static final String TRAINING = "training";

    /** The training folder's loss curve (drawn by sdk-plots' {@code loss-plot} listener). */
    public static final String LOSS_CURVE = LossCurvePlot.FILE_NAME;

    private Experiment() {}

    /** What a run produced. */
    public record Outcome(
            FineTuning setting,
            Optional<EvaluationResult> zeroShot,
            EvaluationResult result,
            long trainableParameters,
            long totalParameters,
            Optional<TrainingResult> training,
            Path directory) {
        /** The held-out accuracy (percent) of the run's final model. */
        public double accuracy() {
            return result.headline();
        }
    }

    /** Scores {@code model} on examples with {@code data}'s template and its format's evaluator ({@link Evaluators#forFormat}). */
    public static EvaluationResult evaluate(InstructBlip model, InstructBlipProcessor processor, TaskData data,
            List<MultimodalExample> examples) {
        return evaluate(Predictor.of(model, processor), data, examples);
    }

    /**
     * Scores the answers of {@code predictor} (a model of any family: {@link BaseModel#predictor()})
     * on examples, with {@code data}'s template, answering method and its format's evaluator.
     */
    public static EvaluationResult evaluate(Predictor predictor, TaskData data, List<MultimodalExample> examples) {
        return Evaluators.forFormat(data.format()).evaluate(examples,
                data.answering(predictor).predict(data.template().renderAll(examples)));
    }

    /**
     * Runs one setting on an InstructBLIP {@code base}: {@link #run(BaseModel, TaskData, FineTuning, Path, boolean,
     * boolean, PrintStream, ExecutionOptions)} with {@link BaseModel#of(InstructBlip, InstructBlipProcessor, String)}.
     *
     * @param modelId how saved adapters and provenance name the base model
     * @param withZeroShot also evaluate the base model before training (always done for settings that train nothing)
     * @param resume continue the training an earlier, interrupted run of the same setting left in
     *     {@code out/training} (from its last epoch checkpoint); otherwise start afresh
     * @throws dev.mmpeft.core.io.OutputInUseException when another run writes into {@code out}
     */
    public static Outcome run(InstructBlip base, InstructBlipProcessor processor, String modelId, TaskData data,
            FineTuning setting, Path out, boolean withZeroShot, boolean resume, PrintStream console) throws IOException {
        return run(BaseModel.of(base, processor, modelId), data, setting, out, withZeroShot, resume, console,
                ExecutionOptions.defaults());
    }

    /**
     * As {@link #run(InstructBlip, InstructBlipProcessor, String, TaskData, FineTuning, Path, boolean, boolean,
     * PrintStream)}, training where and how {@code execution} says (devices, precision, checkpoint cadence).
     *
     * @throws dev.mmpeft.core.io.OutputInUseException when another run writes into {@code out}
     */
    public static Outcome run(InstructBlip base, InstructBlipProcessor processor, String modelId, TaskData data,
            FineTuning setting, Path out, boolean withZeroShot, boolean resume, PrintStream console,
            ExecutionOptions execution) throws IOException {
        return run(BaseModel.of(base, processor, modelId), data, setting, out, withZeroShot, resume, console, execution);
    }

    /**
     * Runs one setting on a base model of any family (InstructBLIP, LLaVA, LaVIN): optional zero-shot
     * evaluation, fine-tuning with validation, evaluation of the fine-tuned model, the adapter and
     * reports in {@code out}.
     *
     * @param withZeroShot also evaluate the base model before training (always done for settings that train nothing)
     * @param resume continue the training an earlier, interrupted run of the same setting left in
     *     {@code out/training} (from its last epoch checkpoint); otherwise start afresh
     * @throws dev.mmpeft.core.io.OutputInUseException when another run writes into {@code out}
     */
    public static Outcome run(BaseModel base, TaskData data, FineTuning setting, Path out, boolean withZeroShot, boolean resume,
            PrintStream console, ExecutionOptions execution) throws IOException {
        try (OutputLock lock = OutputLock.acquire(out)) {
            return runLocked(base, data, setting, out, withZeroShot, resume, console, execution);
        }
    }

    private static Outcome runLocked(BaseModel base, TaskData data, FineTuning setting, Path out, boolean withZeroShot,
            boolean resume, PrintStream console, ExecutionOptions execution) throws IOException {
        String modelId = base.modelId();
        AtomicFiles.deleteRecursively(out.resolve(SUMMARY));
        List<MultimodalExample> test = readSplit(data, "test", "evaluate", true, console).examples();
        long total = base.parameterCount();
        boolean trains = setting.method().trains();
        // read before anything runs, so a dataset with nothing to train on fails at once
        List<MultimodalExample> train = trains ? readSplit(data, "train", "train on", true, console).examples() : List.of();
        List<MultimodalExample> val = trains ? readSplit(data, "val", "validate", false, console).examples() : List.of();

        Optional<EvaluationResult> zeroShot = Optional.empty();
        if (withZeroShot || !setting.method().trains()) {
            console.printf(Locale.ROOT, "evaluating %s zero-shot on %d %s test examples ...%n", modelId, test.size(), data.format());
            EvaluationResult r = evaluate(base.predictor(), data, test);
            writeResult(r, out.resolve("zero-shot"));
            console.print(indent("zero-shot ", r));
            zeroShot = Optional.of(r);
        }
        if (!setting.method().trains()) {
            Outcome outcome = new Outcome(setting, zeroShot, zeroShot.orElseThrow(), 0, total, Optional.empty(), out);
            writeSummary(outcome, modelId, data);
            return outcome;
        }
        if (!resume) {
            AtomicFiles.deleteRecursively(out.resolve(TRAINING));
        }
        try (TaskModel<?> model = TaskModel.of(base, setting.method().adapt(base, setting), data)) {
            ParameterReport params = model.peft().parameterReport();
            String report = params.summary() + "\n\n" + params.table();
            console.println(report);
            AtomicFiles.writeString(out.resolve("trainable-parameters.txt"), report + "\n");
            TrainingResult training = train(model, modelId, data, train, val, setting, out.resolve(TRAINING), resume,
                    console, execution);

            EvaluationResult result = reusingFrozenFeatures(model, execution, out.resolve(TRAINING),
                    () -> evaluate(base.predictor(model.peft()), data, test));
            writeResult(result, out.resolve("fine-tuned"));
            model.peft().save(out.resolve("adapter"));
            // the template and answers it was trained on, so evaluate/generate/continued training use them
            TaskCard.of(data, train).write(out.resolve("adapter"));
            if (zeroShot.isPresent()) {
                Comparison comparison = Comparison.of(zeroShot.get(), result);
                comparison.writeAll(out.resolve("comparison"));
                EvaluationCharts.writeComparison(comparison, out.resolve("comparison"));
            }
            console.print(indent("fine-tuned ", result));
            Outcome outcome = new Outcome(setting, zeroShot, result, params.trainable(), params.total(), Optional.of(training), out);
            writeSummary(outcome, modelId, data);
            return outcome;
        }
    }

    /**
     * Runs {@code evaluation} with the frozen prefix's outputs read from and written to the feature
     * cache the training used (the sweep's shared folder, or the run's own): in evaluation the
     * Q-Former has no dropout, so when only the language model was adapted its image features are
     * those the validation passes stored, and the next setting with the same frozen prefix reads
     * them again.
     */
    private static EvaluationResult reusingFrozenFeatures(TaskModel<?> model, ExecutionOptions execution, Path trainingDir,
            java.util.function.Supplier<EvaluationResult> evaluation) {
        if (!execution.reuseFrozenFeatures()) {
            return evaluation.get();
        }
        Path dir = execution.featureCacheDir().orElse(trainingDir.resolve(FeatureReuse.DEFAULT_DIR));
        try (FeatureReuse reuse = FeatureReuse.attach(model, Optional.of(dir), FeatureCache.DEFAULT_MEMORY_BYTES)) {
            return evaluation.get();
        }
    }

    /** The recipe: AdamW, linear decay per epoch, validation each epoch on the task's evaluator, the best adapter kept. */
    private static TrainingResult train(TaskModel<?> model, String modelId, TaskData data, List<MultimodalExample> examples,
            List<MultimodalExample> val, FineTuning setting, Path dir, boolean resume, PrintStream console,
            ExecutionOptions execution) {
        List<Prompt> prompts = data.template().renderAll(examples);
        Trainer.Builder trainer = Trainer.builder()
                .optimizer(AdamW.lr(setting.learningRate()).weightDecay(setting.weightDecay()))
                .schedule(schedule(setting.schedule()))
                .epochs(setting.epochs()).batchSize(setting.batchSize()).seed(setting.seed())
                .groupByLength(setting.batching() == FineTuning.Batching.GROUPED)
                .bucketByLength(setting.batching() == FineTuning.Batching.BUCKETED)
                .resume(resume)
                .devices(execution.devices()).mixedPrecision(execution.precision()).checkpointEvery(execution.checkpointEvery())
                .reuseFrozenFeatures(execution.reuseFrozenFeatures()).featureCacheDir(execution.featureCacheDir())
                .activationCheckpointing(execution.activationCheckpointing())
                .outputDir(dir)
                .model(modelId, null).dataset(data.format() + ":" + data.root())
                .console(console).listeners("progress", "metrics", "loss-plot");
        if (val.isEmpty()) {
            // a partial download may have no usable validation records: train the epochs, keep the last adapter
            console.printf(Locale.ROOT, "fine-tuning (%s) on %d examples; the val split has none, so no validation and"
                    + " no early stopping: the last epoch's adapter is kept ...%n", setting.slug(), prompts.size());
            return trainer.build().fit(model, prompts);
        }
        trainer.validateEachEpoch().saveBest(true).restoreBest(true);
        if (setting.patience() > 0) {
            trainer.earlyStopping(EarlyStopping.patience(setting.patience()));
        }
        console.printf(Locale.ROOT, "fine-tuning (%s) on %d examples, validating on %d ...%n", setting.slug(), prompts.size(),
                val.size());
        return trainer.build().fit(model, prompts, val, Evaluators.forFormat(data.format()));
    }

    private static dev.mmpeft.core.train.schedule.LrSchedule schedule(FineTuning.Schedule s) {
        return switch (s) {
            case LINEAR_PER_EPOCH -> Schedules.linearDecayPerEpoch();
            case LINEAR -> Schedules.linearDecay();
            case CONSTANT -> Schedules.constant();
            case COSINE -> Schedules.warmupCosine(0, 0);
        };
    }

    /** A split as read, saying what the selection left out; {@code required}: it must hold an example. */
    private static TaskData.Split readSplit(TaskData data, String split, String purpose, boolean required, PrintStream console) {
        TaskData.Split read = data.read(split);
        printLeftOut(console, data, split, read);
        if (required && read.examples().isEmpty()) {
            throw new ExperimentException(data.root() + ": the " + split + " split has no example to " + purpose + " ("
                    + data.selection() + "; " + read.filtered() + " left out by the selection, " + read.skippedMissingImages()
                    + " skipped because their image file is missing)");
        }
        return read;
    }

    /** Says what the selection left out of a split, if anything: a user must know what was (not) trained or scored. */
    private static void printLeftOut(PrintStream console, TaskData data, String split, TaskData.Split read) {
        if (read.filtered() > 0 || read.skippedMissingImages() > 0) {
            console.printf(Locale.ROOT, "%s split: %d examples (%s); left out: %d by the selection, %d whose image file is missing%n",
                    split, read.examples().size(), data.selection(), read.filtered(), read.skippedMissingImages());
        }
    }

    /**
     * The metrics a result is read by, one per line with {@code prefix}: {@code accuracy: NN.NN%}
     * for choices and VQA (A-OKVQA also MC and DA), CIDEr and ROUGE for captions ({@link Scores#summary}).
     */
    public static String indent(String prefix, EvaluationResult r) {
        StringBuilder sb = new StringBuilder();
        for (String line : Scores.summary(r).split("\\R")) {
            if (!line.isBlank()) {
                sb.append(prefix).append(line).append(line.startsWith("accuracy") ? "%" : "").append(System.lineSeparator());
            }
        }
        return sb.toString();
    }

    private static void writeResult(EvaluationResult r, Path dir) {
        Reports.writeAll(r, dir);
        EvaluationCharts.writeResult(r, dir);
    }

    private static void writeSummary(Outcome o, String modelId, TaskData data) throws IOException {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("model", modelId);
        n.put("dataset", data.root().toString());
        n.put("format", data.format());
        n.put("setting", o.setting().slug());
        n.put("method", o.setting().method().name());
        n.put("components", o.setting().componentLabel());
        n.put("rank", o.setting().method().size(o.setting()));
        n.put("method_name", o.setting().method().displayName());
        n.put("size", o.setting().method().sizeLabel(o.setting()));
        n.put("connector", MethodTable.connector(o.setting().tuneConnector()));
        n.put("alpha", o.setting().alpha());
        n.put("learning_rate", o.setting().learningRate());
        n.put("schedule", o.setting().schedule().optionName());
        n.put("batching", o.setting().batching().optionName());
        n.put("trainable_parameters", o.trainableParameters());
        n.put("total_parameters", o.totalParameters());
        n.put("accuracy", o.accuracy());
        o.zeroShot().ifPresent(z -> n.put("zero_shot_accuracy", z.headline()));
        ObjectNode groups = n.putObject("breakdown");
        o.result().breakdown().forEach(groups::put);
        o.training().ifPresent(t -> {
            ObjectNode tn = n.putObject("training");
            tn.put("steps", t.steps());
            tn.put("epochs", t.epochs());
            tn.put("stop_reason", t.stopReason());
            tn.put("seconds", t.seconds());
            t.bestValue().ifPresent(v -> tn.put("best_validation", v));
        });
        AtomicFiles.writeString(o.directory().resolve(SUMMARY), Json.write(n));
    }
}
