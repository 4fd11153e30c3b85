package dev.mmpeft.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.provenance.Hashes;
import dev.mmpeft.core.safetensors.SafetensorsFile;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.train.internal.DataOrder;
import dev.mmpeft.core.train.internal.EpochOrders;
import dev.mmpeft.core.train.internal.MixedPrecision;
import dev.mmpeft.core.train.internal.Replicas;
import dev.mmpeft.core.train.internal.ResumeCheckpoint;
import dev.mmpeft.core.train.internal.Tensors;
import dev.mmpeft.core.train.listener.EpochEvent;
import dev.mmpeft.core.train.listener.RunStart;
import dev.mmpeft.core.train.listener.SkippedBatch;
import dev.mmpeft.core.train.listener.StepEvent;
import dev.mmpeft.core.train.listener.TrainingListener;
import dev.mmpeft.core.train.listener.ValidationEvent;
import dev.mmpeft.core.train.optim.GradientClipping;
import dev.mmpeft.core.train.optim.Optimizer;
import dev.mmpeft.core.train.optim.OptimizerSpec;
import dev.mmpeft.core.train.schedule.SchedulePosition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One {@link Trainer#fit} call: the loop, its state, checkpoints and reports. */
final class TrainingRun<E> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    static final String CHECKPOINT_DIR = "checkpoint";
    static final String BEST_DIR = "best";
    static final String LAST_DIR = "last";
    /** Our own copy of the best trainable tensors, beside the model's own format in best/. */
    static final String BEST_TENSORS = "trainable.safetensors";

    private final Trainer trainer;
    private final TrainerConfig config;
    private final TrainableModel<E> model;
    private final List<E> train;
    private final @Nullable Validator<E> validator;
    private final Optional<Path> out;
    private final List<TrainingListener> listeners = new ArrayList<>();

    // position and history (all restored on resume)
    private long step;
    private long startStep;
    private final List<Double> losses = new ArrayList<>();
    private final Map<String, Double> stepTerms = new java.util.TreeMap<>();
    private double bestValue = Double.NaN;
    private long bestStep = -1;
    private int badValidations;
    private long skippedSteps;
    private double elapsedBefore;
    private Map<String, Double> lastValidation = Map.of();
    private @Nullable String finishedReason;
    private Instant startedAt = Instant.now();

    // what the optimizer updates: the model's trainable arrays, or their float32 masters under FP16
    private Map<String, NDArray> stepped = Map.of();
    private @Nullable MixedPrecision mixed;
    private boolean inHalf;

    TrainingRun(Trainer trainer, TrainableModel<E> model, List<E> train, @Nullable Validator<E> validator) {
        this.trainer = trainer;
        this.config = trainer.config();
        this.model = model;
        this.train = List.copyOf(train);
        this.validator = validator;
        this.out = config.outputDir();
    }

    TrainingResult execute() {
        int n = train.size();
        TrainingException.check(n > 0, "training data", "an empty list", "at least one example");
        int perStep = config.batchSize() * config.gradientAccumulation();
        long stepsPerEpoch = config.dropLast() ? n / perStep : (n + perStep - 1) / perStep;
        if (stepsPerEpoch == 0) {
            throw new TrainingException("the training data has " + n + " examples, fewer than one optimizer step's batch ("
                    + config.batchSize() + " x " + config.gradientAccumulation() + " = " + perStep
                    + "); lower batchSize/gradientAccumulation or set dropLast(false)");
        }
        long totalSteps = totalSteps(stepsPerEpoch);
        int totalEpochs = (int) ((totalSteps + stepsPerEpoch - 1) / stepsPerEpoch);
        checkValidatorSettings();
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(trainer.idOf(train.get(i), i));
        }

        List<Device> devices = config.devices().isEmpty() ? List.of(Replicas.deviceOf(model)) : config.devices();
        Precision precision = config.mixedPrecision();
        if (precision == Precision.FP16) {
            MixedPrecision.enter(model, devices);
            inHalf = true;
        }
        try (Replicas<E> replicas = Replicas.of(model, devices, inHalf, config.activationCheckpointing());
                NDManager loadManager = NDManager.newBaseManager(replicas.primaryManager().getDevice())) {
            Map<String, NDArray> params = replicas.primaryParameters();
            if (inHalf) {
                mixed = new MixedPrecision(params, MixedPrecision.INIT_SCALE);
            }
            stepped = mixed == null ? params : mixed.masters();
            OptimizerSpec spec = config.optimizer();
            String initialHash = Hashes.sha256(stepped);
            long trainableCount = stepped.values().stream().mapToLong(NDArray::size).sum();
            try (Optimizer optimizer = spec.create(stepped)) {
                resumeIfAny(replicas, optimizer, loadManager, stepsPerEpoch);
                startStep = step;
                startedAt = Instant.now();
                openListeners();
                ProvenanceWriter provenance = new ProvenanceWriter(config, model.getClass().getName(),
                        Map.of("devices", devices.stream().map(Device::toString).toList(), "precision", precision.toString()),
                        ids, initialHash, trainableCount, startedAt, startStep);
                provenance.write("running", null);
                RunStart start = RunStart.builder().totalSteps(totalSteps).stepsPerEpoch(stepsPerEpoch).totalEpochs(totalEpochs)
                        .trainSize(n).effectiveBatchSize(perStep).startStep(step).previousLosses(losses)
                        .trainableParameters(trainableCount).config(config.describe()).outputDir(out).build();
                listeners.forEach(l -> l.onStart(start));
                if (step > 0) {
                    LOG.info("resuming at step {} of {} from {}", step, totalSteps, out.get().resolve(CHECKPOINT_DIR));
                }
                try {
                    loop(replicas, optimizer, ids, stepsPerEpoch, totalSteps, totalEpochs, perStep);
                } catch (RuntimeException e) {
                    provenance.write("failed: " + e.getMessage(), null);
                    throw e;
                }
                TrainingResult result = finish(replicas, stepsPerEpoch, totalSteps, totalEpochs);
                provenance.write(result.stoppedEarly() ? "stopped early" : "completed", result);
                listeners.forEach(l -> l.onEnd(result));
                return result;
            }
        } catch (IOException e) {
            throw new TrainingException("cannot write to " + out.map(Path::toString).orElse("the output folder") + ": " + e.getMessage(), e);
        } finally {
            leaveHalf();
            if (mixed != null) {
                mixed.close();
            }
        }
    }

    /** Optimizer steps of the whole run: epochs and/or maxSteps, the smaller limit winning. */
    private long totalSteps(long stepsPerEpoch) {
        if (config.maxSteps().isPresent()) {
            return config.epochs().isPresent()
                    ? Math.min(config.maxSteps().getAsLong(), config.epochs().getAsInt() * stepsPerEpoch)
                    : config.maxSteps().getAsLong();
        }
        return config.epochs().orElse(1) * stepsPerEpoch;
    }

    private void checkValidatorSettings() {
        if (config.earlyStopping().isPresent() && validator == null) {
            throw new TrainingException("earlyStopping is set but fit(...) was given no validator to watch");
        }
        if (config.restoreBest() && (validator == null || out.isEmpty())) {
            throw new TrainingException("restoreBest needs a validator and an outputDir (the best tensors are kept there)");
        }
    }

    /** Continues from the output folder's checkpoint when there is one (and resume is on). */
    private void resumeIfAny(Replicas<E> replicas, Optimizer optimizer, NDManager loadManager, long stepsPerEpoch) {
        if (out.isEmpty() || !config.resume()) {
            return;
        }
        Optional<ResumeCheckpoint> ckpt = ResumeCheckpoint.read(out.get().resolve(CHECKPOINT_DIR), loadManager);
        if (ckpt.isPresent()) {
            restore(ckpt.get(), stepped, optimizer, train.size(), stepsPerEpoch);
            if (mixed != null) {
                mixed.copyTo(replicas.primaryParameters());
            }
            replicas.broadcast();
        }
    }

    private void loop(Replicas<E> replicas, Optimizer optimizer, List<String> ids, long stepsPerEpoch, long totalSteps,
            int totalEpochs, int perStep) throws IOException {
        if (finishedReason != null) {
            return; // a resumed run that had already ended
        }
        EpochOrders<E> orders = new EpochOrders<>(config, model, train);
        int[] order = null;
        int orderEpoch = -1;
        double epochLossSum = 0;
        long epochSteps = 0;
        long epochStart = System.nanoTime();
        double runStart = System.nanoTime() / 1e9 - elapsedBefore;
        double stepSecondsEma = Double.NaN;
        replicas.setTraining(true);
        while (step < totalSteps) {
            int epoch = (int) (step / stepsPerEpoch);
            long inEpoch = step % stepsPerEpoch;
            if (epoch != orderEpoch) {
                order = orders.order(epoch);
                orderEpoch = epoch;
            }
            int from = (int) (inEpoch * perStep);
            int[] group = Arrays.copyOfRange(order, from, Math.min(from + perStep, train.size()));
            double lr = config.schedule().lr(config.optimizer().lr(),
                    SchedulePosition.of(step, stepsPerEpoch, totalSteps, totalEpochs));
            long t0 = System.nanoTime();
            double[] lossAndNorm = oneStep(replicas, optimizer, group, ids, lr, epoch);
            double seconds = (System.nanoTime() - t0) / 1e9;
            step++;
            boolean skipped = Double.isNaN(lossAndNorm[1]) && !Double.isFinite(lossAndNorm[0]);
            losses.add(lossAndNorm[0]);
            if (Double.isFinite(lossAndNorm[0])) {
                epochLossSum += lossAndNorm[0];
                epochSteps++;
            }
            stepSecondsEma = Double.isNaN(stepSecondsEma) ? seconds : 0.9 * stepSecondsEma + 0.1 * seconds;
            StepEvent ev = StepEvent.builder()
                    .step(step).totalSteps(totalSteps).epoch(epoch).totalEpochs(totalEpochs)
                    .loss(lossAndNorm[0]).lr(lr).gradNorm(lossAndNorm[1])
                    .samples(group.length).samplesPerSecond(group.length / Math.max(seconds, 1e-9))
                    .stepSeconds(seconds).elapsedSeconds(System.nanoTime() / 1e9 - runStart)
                    .etaSeconds(stepSecondsEma * (totalSteps - step))
                    .skipped(skipped).lossTerms(stepTerms)
                    .build();
            listeners.forEach(l -> l.onStep(ev));

            boolean epochEnd = step % stepsPerEpoch == 0 || step == totalSteps;
            boolean stop = false;
            boolean validateNow = validator != null
                    && (config.validateEvery() > 0 ? step % config.validateEvery() == 0 : epochEnd);
            if (validateNow) {
                stop = validate(replicas, epoch);
            }
            if (epochEnd) {
                EpochEvent ee = EpochEvent.builder().epoch(epoch).totalEpochs(totalEpochs).step(step)
                        .meanLoss(epochSteps == 0 ? Double.NaN : epochLossSum / epochSteps).steps(epochSteps)
                        .seconds((System.nanoTime() - epochStart) / 1e9).build();
                listeners.forEach(l -> l.onEpochEnd(ee));
                LOG.debug("epoch {} done: mean loss {}", epoch, ee.meanLoss());
                epochLossSum = 0;
                epochSteps = 0;
                epochStart = System.nanoTime();
            }
            if (stop) {
                finishedReason = "early stopping: no improvement of " + metricName() + " in "
                        + config.earlyStopping().get().patience() + " validations";
            } else if (step == totalSteps) {
                finishedReason = "completed";
            }
            elapsedBefore = System.nanoTime() / 1e9 - runStart;
            boolean checkpointNow = (config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0)
                    || epochEnd || finishedReason != null;
            if (out.isPresent() && checkpointNow) {
                saveCheckpoint(replicas, optimizer, totalSteps, stepsPerEpoch);
            }
            if (stop) {
                break;
            }
        }
    }

    /** One optimizer step; returns {loss, gradNorm} (loss NaN/Inf and norm NaN when skipped). */
    private double[] oneStep(Replicas<E> replicas, Optimizer optimizer, int[] group, List<String> ids, double lr, int epoch) {
        int b = config.batchSize();
        double loss = 0;
        String bad = null;
        double badValue = 0;
        int[] badItems = group;
        stepTerms.clear();
        try (NDManager scope = replicas.primaryManager().newSubManager()) {
            int micro = 0;
            for (int from = 0; from < group.length; from += b, micro++) {
                int[] idx = Arrays.copyOfRange(group, from, Math.min(from + b, group.length));
                List<E> items = new ArrayList<>(idx.length);
                for (int i : idx) {
                    items.add(train.get(i));
                }
                // every random draw of this micro-batch (dropout) is a function of (seed, step, micro)
                Engine.getInstance().setRandomSeed(DataOrder.stepSeed(config.seed(), step, micro));
                double weight = (double) idx.length / group.length;
                double l = replicas.forwardBackward(items, weight, mixed == null ? 1.0 : mixed.scale());
                replicas.primary().lossTerms().forEach((k, v) -> stepTerms.merge(k, v * weight, Double::sum));
                if (!Double.isFinite(l)) {
                    bad = "loss";
                    badValue = l;
                    badItems = idx;
                    break;
                }
                loss += l * weight;
            }
            double norm = Double.NaN;
            if (bad == null) {
                Map<String, NDArray> grads = replicas.reduceGradients(scope);
                if (mixed != null) {
                    grads = mixed.unscale(grads, scope);
                }
                norm = GradientClipping.globalNorm(grads.values(), scope);
                if (mixed != null && !Double.isFinite(norm)) {
                    // a scaled float16 gradient overflowed: skip this step and halve the scale (GradScaler)
                    LOG.debug("step {}: loss scale {} overflowed; step skipped, scale halved", step, mixed.scale());
                    mixed.update(false);
                    replicas.zeroGradients();
                    return new double[] {loss, Double.NaN};
                }
                if (!Double.isFinite(norm)) {
                    bad = "gradient norm (non-finite in " + Tensors.nonFiniteNames(grads) + ")";
                    badValue = norm;
                } else {
                    if (config.maxGradNorm().isPresent()) {
                        float coef = GradientClipping.clipCoefficient(norm, config.maxGradNorm().getAsDouble());
                        if (coef < 1f) {
                            GradientClipping.scale(grads.values(), coef);
                        }
                    }
                    optimizer.step(lr, grads);
                    if (mixed != null) {
                        mixed.update(true);
                        mixed.copyTo(replicas.primaryParameters());
                    }
                    replicas.broadcast();
                }
            }
            replicas.zeroGradients();
            if (bad == null) {
                return new double[] {loss, norm};
            }
        }
        List<String> badIds = new ArrayList<>();
        for (int i : badItems) {
            badIds.add(ids.get(i));
        }
        if (config.onNonFinite() == NonFinitePolicy.STOP) {
            throw new NonFiniteLossException(bad, badValue, step, epoch, badIds);
        }
        skippedSteps++;
        LOG.warn("skipping step {} (epoch {}): {} is {} in the batch of examples {}", step, epoch, bad, badValue, badIds);
        SkippedBatch sb = SkippedBatch.builder().step(step).epoch(epoch).what(bad).value(badValue).exampleIds(badIds).build();
        listeners.forEach(l -> l.onSkippedBatch(sb));
        return new double[] {Double.isFinite(badValue) ? Double.NaN : badValue, Double.NaN};
    }

    private String metricName() {
        return config.earlyStopping().flatMap(EarlyStopping::metric).orElse("the headline metric");
    }

    /** Validates; returns whether early stopping says stop. */
    private boolean validate(Replicas<E> replicas, int epoch) throws IOException {
        replicas.syncUserModel();
        replicas.setTraining(false);
        EvaluationResult result;
        try (Autograd.GradMode off = Autograd.gradMode(false)) {
            result = validator.validate(model);
        } finally {
            replicas.setTraining(true);
        }
        // without early stopping, "best" still needs a direction: losses and errors fall, the rest rise
        EarlyStopping es = config.earlyStopping().orElseGet(() -> lowerIsBetter(result.metric())
                ? EarlyStopping.patience(Integer.MAX_VALUE).minimize()
                : EarlyStopping.patience(Integer.MAX_VALUE));
        double value = es.valueOf(result);
        boolean improved = es.improves(value, bestValue);
        if (improved) {
            bestValue = value;
            bestStep = step;
            badValidations = 0;
        } else {
            badValidations++;
        }
        Map<String, Double> last = new LinkedHashMap<>();
        last.put(result.metric(), result.headline());
        last.putAll(result.breakdown());
        lastValidation = last;
        String metric = es.metric().orElse(result.metric());
        LOG.debug("validation at step {} (epoch {}): {} = {}{}", step, epoch, metric, value, improved ? " (best)" : "");
        if (improved && out.isPresent() && config.saveBest()) {
            saveTrainableDir(out.get().resolve(BEST_DIR), replicas, Map.of(
                    "step", step, "epoch", epoch, "metric", metric, "value", value));
        }
        ValidationEvent ve = ValidationEvent.builder().step(step).epoch(epoch).result(result).metric(metric)
                .value(value).best(bestValue).improved(improved).badValidations(badValidations).build();
        listeners.forEach(l -> l.onValidation(ve));
        return config.earlyStopping().isPresent() && badValidations >= es.patience();
    }

    static boolean lowerIsBetter(String metric) {
        String m = metric.toLowerCase(java.util.Locale.ROOT);
        return m.contains("loss") || m.contains("error") || m.contains("perplexity");
    }

    /** The model's own format ({@code saveTrainable}) plus our tensors and a metrics file, atomically. */
    private void saveTrainableDir(Path dir, Replicas<E> replicas, Map<String, Object> metrics) throws IOException {
        replicas.syncUserModel();
        Map<String, NDArray> params = stepped;
        AtomicFiles.writeDirectory(dir, tmp -> {
            model.saveTrainable(tmp);
            SafetensorsWriter.write(tmp.resolve(BEST_TENSORS), params, Map.of("format", "pt"));
            AtomicFiles.writeString(tmp.resolve("training_metrics.json"), Json.write(metrics));
        });
    }

    private void saveCheckpoint(Replicas<E> replicas, Optimizer optimizer, long totalSteps, long stepsPerEpoch)
            throws IOException {
        ObjectNode s = Json.mapper().createObjectNode();
        s.put("step", step);
        s.put("epoch", (int) ((step == 0 ? 0 : step - 1) / stepsPerEpoch));
        s.put("total_steps", totalSteps);
        s.put("steps_per_epoch", stepsPerEpoch);
        s.put("train_size", train.size());
        s.put("batch_size", config.batchSize());
        s.put("gradient_accumulation", config.gradientAccumulation());
        s.put("seed", config.seed());
        s.put("shuffle", config.shuffle());
        s.put("optimizer", optimizer.kind());
        s.put("rng", "engine reseeded per micro-batch from (seed, step, micro); data order from (seed, epoch)");
        s.put("precision", config.mixedPrecision().toString());
        if (mixed != null) {
            mixed.writeState(s);
        }
        ObjectNode steps = s.putObject("optimizer_steps");
        optimizer.stepCounts().forEach(steps::put);
        ArrayNode ls = s.putArray("losses");
        losses.forEach(ls::add);
        if (!Double.isNaN(bestValue)) {
            s.put("best_value", bestValue);
            s.put("best_step", bestStep);
        }
        s.put("bad_validations", badValidations);
        s.put("skipped_steps", skippedSteps);
        s.put("elapsed_s", elapsedBefore);
        s.set("last_validation", Json.mapper().valueToTree(lastValidation));
        if (finishedReason != null) {
            s.put("finished", finishedReason);
        }
        s.put("started_at", startedAt.toString());
        Path dir = out.get().resolve(CHECKPOINT_DIR);
        ResumeCheckpoint.write(dir, s, stepped, optimizer.stateTensors());
        listeners.forEach(l -> l.onCheckpoint(dir, step));
    }

    private void restore(ResumeCheckpoint ckpt, Map<String, NDArray> params, Optimizer optimizer, int n, long stepsPerEpoch) {
        JsonNode s = ckpt.state();
        String where = ckpt.directory().resolve(ResumeCheckpoint.STATE).toString();
        mustMatch(s, "train_size", n, where);
        mustMatch(s, "batch_size", config.batchSize(), where);
        mustMatch(s, "gradient_accumulation", config.gradientAccumulation(), where);
        mustMatch(s, "seed", config.seed(), where);
        mustMatch(s, "steps_per_epoch", stepsPerEpoch, where);
        String precision = s.path("precision").asText(Precision.FP32.toString());
        if (!precision.equals(config.mixedPrecision().toString())) {
            throw new TrainingException(where + ": field 'precision' is '" + precision + "' but this run uses "
                    + config.mixedPrecision() + "; resume with the same precision or use another outputDir");
        }
        if (mixed != null) {
            mixed.readState(s);
        }
        if (!optimizer.kind().equals(s.path("optimizer").asText())) {
            throw new TrainingException(where + ": field 'optimizer' is '" + s.path("optimizer").asText()
                    + "' but this run uses " + optimizer.kind());
        }
        Set<String> missing = new LinkedHashSet<>(params.keySet());
        missing.removeAll(ckpt.trainable().keySet());
        Set<String> unexpected = new LinkedHashSet<>(ckpt.trainable().keySet());
        unexpected.removeAll(params.keySet());
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new TrainingException(ckpt.directory() + ": trainable tensors do not match the model: missing "
                    + missing + ", unexpected " + unexpected);
        }
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            Tensors.copyInto(e.getValue(), ckpt.trainable().get(e.getKey()), e.getKey());
        }
        Map<String, Long> steps = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = s.path("optimizer_steps").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            steps.put(e.getKey(), e.getValue().asLong());
        }
        optimizer.loadState(ckpt.optimizer(), steps, ckpt.directory().toString());
        step = s.path("step").asLong();
        losses.clear();
        s.path("losses").forEach(x -> losses.add(x.isNumber() ? x.asDouble() : Double.NaN));
        if (s.has("best_value")) {
            bestValue = s.get("best_value").asDouble();
            bestStep = s.get("best_step").asLong();
        }
        badValidations = s.path("bad_validations").asInt();
        skippedSteps = s.path("skipped_steps").asLong();
        elapsedBefore = s.path("elapsed_s").asDouble();
        Map<String, Double> lv = new LinkedHashMap<>();
        s.path("last_validation").fields().forEachRemaining(e -> lv.put(e.getKey(), e.getValue().asDouble()));
        lastValidation = lv;
        if (s.has("finished") && step >= s.path("total_steps").asLong()) {
            finishedReason = s.get("finished").asText();
        } else if (s.has("finished") && s.get("finished").asText().startsWith("early stopping")) {
            finishedReason = s.get("finished").asText();
        }
    }

    private static void mustMatch(JsonNode s, String field, long expected, String where) {
        if (!s.has(field) || s.get(field).asLong() != expected) {
            throw new TrainingException(where + ": field '" + field + "' is " + s.path(field)
                    + " but this run has " + expected + "; resume with the same settings or use another outputDir");
        }
    }

    private TrainingResult finish(Replicas<E> replicas, long stepsPerEpoch, long totalSteps, int totalEpochs)
            throws IOException {
        replicas.setTraining(false);
        replicas.syncUserModel();
        leaveHalf();
        Optional<Path> lastDir = Optional.empty();
        Optional<Path> bestDir = Optional.empty();
        if (out.isPresent()) {
            if (config.saveLast()) {
                lastDir = Optional.of(out.get().resolve(LAST_DIR));
                saveTrainableDir(lastDir.get(), replicas, Map.of("step", step));
            }
            Path best = out.get().resolve(BEST_DIR);
            if (Files.isDirectory(best) && bestStep >= 0) {
                bestDir = Optional.of(best);
            }
            if (config.restoreBest() && bestDir.isPresent()) {
                restoreBestTensors(best.resolve(BEST_TENSORS));
            }
        }
        boolean early = finishedReason != null && finishedReason.startsWith("early stopping");
        ImmutableTrainingResult.Builder r = TrainingResult.builder()
                .steps(step)
                .epochs((int) ((step + stepsPerEpoch - 1) / stepsPerEpoch))
                .stopReason(finishedReason == null ? "completed" : finishedReason)
                .stoppedEarly(early)
                .losses(losses)
                .skippedSteps(skippedSteps)
                .lastValidation(lastValidation)
                .seconds(elapsedBefore)
                .resumedFromStep(startStep)
                .bestDir(bestDir)
                .lastDir(lastDir);
        if (validator != null && !Double.isNaN(bestValue)) {
            r.metric(config.earlyStopping().flatMap(EarlyStopping::metric).orElse(
                    lastValidation.keySet().stream().findFirst().orElse("headline")));
            r.bestValue(bestValue);
            r.bestStep(bestStep);
        }
        return r.build();
    }

    private void restoreBestTensors(Path file) {
        Map<String, NDArray> target = new LinkedHashMap<>();
        model.trainableParameters().forEach((k, p) -> target.put(k, p.getArray()));
        try (SafetensorsFile f = SafetensorsFile.open(file);
                NDManager m = NDManager.newBaseManager()) {
            for (Map.Entry<String, NDArray> e : target.entrySet()) {
                Tensors.copyInto(e.getValue(), f.load(e.getKey(), m), e.getKey());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LOG.info("restored the best validation's trainable tensors (step {})", bestStep);
    }

    /** Puts the model back into float32 with the master values (once; also after a failure). */
    private void leaveHalf() {
        if (inHalf) {
            inHalf = false;
            MixedPrecision.leave(model, mixed);
        }
    }

    private void openListeners() {
        listeners.addAll(trainer.programmaticListeners());
        listeners.addAll(Listeners.create(trainer, out));
    }
}
