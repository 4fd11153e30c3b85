package dev.mmpeft.core.train;


import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Device;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.eval.ExamplePredictor;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.core.train.listener.EpochEvent;
import dev.mmpeft.core.train.listener.RunStart;
import dev.mmpeft.core.train.listener.StepEvent;
import dev.mmpeft.core.train.listener.TrainingListener;
import dev.mmpeft.core.train.listener.ValidationEvent;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.optim.Sgd;
import dev.mmpeft.core.train.schedule.Schedules;
import dev.mmpeft.core.train.testing.TinyClassifier.Sample;
import dev.mmpeft.core.train.testing.TinyClassifier;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.InOrder;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

class TrainerTest {
    static final Set<String> ALL = Set.copyOf(TinyClassifier.ALL);
    static final List<Sample> TRAIN = TinyClassifier.data(64, 6, 3, 1);
    static final List<Sample> HELD_OUT = TinyClassifier.data(64, 6, 3, 2);

    static TinyClassifier model(float dropout) {
        return new TinyClassifier(Device.cpu(), 6, 16, 3, dropout, 99, ALL);
    }

    static Trainer.Builder quiet() {
        return Trainer.builder().listeners();
    }

    static void assertClose(Map<String, float[]> a, Map<String, float[]> b, double tol) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            float[] x = a.get(k);
            float[] y = b.get(k);
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], tol, k + "[" + i + "]");
            }
        }
    }

    @Test
    void learnsTheTinyTask() {
        TinyClassifier m = model(0f);
        double before = m.accuracy(HELD_OUT);
        TrainingResult r = quiet().optimizer(AdamW.lr(0.02)).epochs(30).batchSize(16).build().fit(m, TRAIN);
        double after = m.accuracy(HELD_OUT);
        assertEquals(30 * 4, r.steps());
        assertTrue(after >= 0.8 && after > before + 0.2, "held-out accuracy " + before + " -> " + after);
        assertTrue(r.meanLossOfLast(4) < r.losses().get(0) / 3, "loss " + r.losses().get(0) + " -> " + r.meanLossOfLast(4));
        assertEquals("completed", r.stopReason());
    }

    @Test
    void accumulatingKMicroBatchesEqualsOneKTimesBatch() {
        TinyClassifier big = model(0f);
        TinyClassifier acc = model(0f);
        Trainer.Builder common = quiet().optimizer(AdamW.lr(0.01).weightDecay(0.05)).schedule(Schedules.linearDecay())
                .epochs(3).shuffle(true).seed(5);
        common.batchSize(16).gradientAccumulation(1).build().fit(big, TRAIN);
        TrainingResult r = quiet().optimizer(AdamW.lr(0.01).weightDecay(0.05)).schedule(Schedules.linearDecay())
                .epochs(3).shuffle(true).seed(5).batchSize(4).gradientAccumulation(4).build().fit(acc, TRAIN);
        assertEquals(12, r.steps());
        assertClose(big.snapshot(), acc.snapshot(), 1e-6);
        assertNotEquals(model(0f).snapshot().get("fc1.weight")[0], acc.snapshot().get("fc1.weight")[0]);
    }

    @Test
    void twoReplicasEqualOne() {
        TinyClassifier single = model(0f);
        TinyClassifier parallel = model(0f);
        quiet().optimizer(AdamW.lr(0.01)).epochs(2).batchSize(8).clipGradNorm(0.5).build().fit(single, TRAIN);
        quiet().optimizer(AdamW.lr(0.01)).epochs(2).batchSize(8).clipGradNorm(0.5)
                .devices(Device.cpu(), Device.cpu()).build().fit(parallel, TRAIN);
        assertClose(single.snapshot(), parallel.snapshot(), 1e-6);
        assertEquals(1, parallel.replicas().size());
        assertTrue(parallel.replicas().get(0).isClosed(), "the trainer closes the replica it made");
        assertFalse(parallel.isClosed(), "and leaves the caller's model open");
    }

    @Test
    void frozenTensorsStayBitIdentical() {
        TinyClassifier m = new TinyClassifier(Device.cpu(), 6, 16, 3, 0f, 99, Set.of("fc2.weight", "fc2.bias"));
        Map<String, float[]> before = m.snapshot();
        quiet().optimizer(AdamW.lr(0.05)).epochs(2).batchSize(8).build().fit(m, TRAIN);
        Map<String, float[]> after = m.snapshot();
        for (String frozen : List.of("fc1.weight", "fc1.bias", "norm.weight")) {
            assertArrayEquals(before.get(frozen), after.get(frozen), frozen);
        }
        assertFalse(java.util.Arrays.equals(before.get("fc2.weight"), after.get("fc2.weight")));
    }

    @Test
    void sameSeedSameRunDifferentSeedDifferentRun() {
        TinyClassifier a = model(0.3f);
        TinyClassifier b = model(0.3f);
        TinyClassifier c = model(0.3f);
        quiet().optimizer(Sgd.lr(0.1).momentum(0.9)).epochs(2).batchSize(8).seed(1).build().fit(a, TRAIN);
        quiet().optimizer(Sgd.lr(0.1).momentum(0.9)).epochs(2).batchSize(8).seed(1).build().fit(b, TRAIN);
        quiet().optimizer(Sgd.lr(0.1).momentum(0.9)).epochs(2).batchSize(8).seed(2).build().fit(c, TRAIN);
        assertClose(a.snapshot(), b.snapshot(), 0.0);
        assertNotEquals(a.snapshot().get("fc1.weight")[0], c.snapshot().get("fc1.weight")[0]);
    }

    @Test
    void listenersSeeEveryEventInOrder() {
        TrainingListener l = mock(TrainingListener.class);
        TinyClassifier m = model(0f);
        Validator<Sample> v = Validator.loss(HELD_OUT, 32);
        quiet().listener(l).epochs(3).batchSize(16).build().fit(m, TRAIN, v);
        InOrder o = inOrder(l);
        o.verify(l).onStart(any(RunStart.class));
        o.verify(l, times(4)).onStep(any(StepEvent.class));
        o.verify(l).onValidation(any(ValidationEvent.class));
        o.verify(l).onEpochEnd(any(EpochEvent.class));
        verify(l, times(12)).onStep(any(StepEvent.class));
        verify(l, times(3)).onEpochEnd(any(EpochEvent.class));
        verify(l, times(3)).onValidation(any(ValidationEvent.class));
        verify(l).onEnd(any(TrainingResult.class));
    }

    @Test
    void earlyStoppingKeepsTheBestAndCanRestoreIt(@TempDir Path out) throws Exception {
        double[] script = {50, 60, 55, 58, 59, 70, 80};
        int[] call = {0};
        List<Map<String, float[]>> seen = new ArrayList<>();
        TinyClassifier m = model(0f);
        Validator<Sample> v = model1 -> {
            seen.add(m.snapshot());
            double acc = script[call[0]++];
            return EvaluationResult.builder().evaluator("scripted").metric("accuracy").headline(acc).build();
        };
        TrainingResult r = quiet().optimizer(AdamW.lr(0.01)).epochs(7).batchSize(16).earlyStopping(3)
                .outputDir(out).restoreBest(true).saveLast(true).build().fit(m, TRAIN, v);
        assertTrue(r.stoppedEarly());
        assertEquals(5, call[0], "stops after 3 validations without improvement on 60");
        assertEquals(20, r.steps());
        assertEquals(60.0, r.bestValue().getAsDouble());
        assertEquals(8, r.bestStep().getAsLong());
        assertTrue(r.stopReason().startsWith("early stopping"), r.stopReason());
        // best/ holds the model's own format plus the metrics of that validation
        assertTrue(Files.isRegularFile(out.resolve("best/tiny_trainable.safetensors")));
        JsonNode metrics = Json.read(out.resolve("best/training_metrics.json"));
        assertEquals(8, metrics.get("step").asInt());
        assertEquals(60.0, metrics.get("value").asDouble());
        assertTrue(Files.isRegularFile(out.resolve("last/tiny_trainable.safetensors")));
        // restoreBest put the tensors of the 2nd validation back
        assertClose(seen.get(1), m.snapshot(), 0.0);
        // provenance beside the checkpoints
        JsonNode prov = Json.read(out.resolve("provenance.json"));
        assertEquals("stopped early", prov.get("status").asText());
        assertEquals(60.0, prov.at("/final_metrics/best_value").asDouble());
        assertEquals("2.7.1", prov.at("/software/engine_version").asText());
        assertEquals(64, prov.at("/dataset/train_size").asInt());
        assertTrue(prov.at("/model/initial_trainable_hash").asText().startsWith("sha256:"));
        assertEquals(0.01, prov.at("/config/optimizer/lr").asDouble());
        // a second fit on the finished folder resumes into "already done"
        TrainingResult again = quiet().optimizer(AdamW.lr(0.01)).epochs(7).batchSize(16).earlyStopping(3)
                .outputDir(out).build().fit(model(0f), TRAIN, v);
        assertEquals(20, again.steps());
        assertEquals(20, again.resumedFromStep());
    }

    @Test
    void validatesEveryNSteps() {
        int[] calls = {0};
        Validator<Sample> v = model1 -> {
            calls[0]++;
            return EvaluationResult.builder().evaluator("x").metric("accuracy").headline(calls[0]).build();
        };
        quiet().epochs(2).batchSize(8).validateEvery(3).build().fit(model(0f), TRAIN, v);
        assertEquals(5, calls[0], "16 steps, validation at 3, 6, 9, 12, 15");
    }

    @Test
    void nonFiniteLossStopsWithStepAndIdsOrIsSkipped() {
        TinyClassifier m = model(0f);
        m.poisonId = TRAIN.get(5).id();
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                () -> quiet().epochs(1).batchSize(8).shuffle(false).exampleId(o -> ((Sample) o).id()).build().fit(m, TRAIN));
        assertEquals(0, e.step());
        assertTrue(e.exampleIds().contains(TRAIN.get(5).id()), e.getMessage());
        assertEquals(8, e.exampleIds().size());

        TinyClassifier s = model(0f);
        s.poisonId = TRAIN.get(13).id();
        Map<String, float[]> before = s.snapshot();
        List<StepEvent> steps = new ArrayList<>();
        TrainingResult r = quiet().epochs(1).batchSize(8).shuffle(false).maxSteps(2)
                .onNonFinite(NonFinitePolicy.SKIP_BATCH)
                .listener(new TrainingListener() {
                    @Override
                    public void onStep(StepEvent step) {
                        steps.add(step);
                    }
                }).build().fit(s, TRAIN);
        assertEquals(1, r.skippedSteps());
        assertFalse(steps.get(0).skipped());
        assertTrue(steps.get(1).skipped());
        assertTrue(Double.isNaN(r.losses().get(1)));
        // step 2 was skipped: the tensors are those after step 1; compare with a 1-step run
        TinyClassifier one = model(0f);
        quiet().epochs(1).batchSize(8).shuffle(false).maxSteps(1).build().fit(one, TRAIN);
        assertClose(one.snapshot(), s.snapshot(), 0.0);
        assertNotEquals(before.get("fc2.bias")[0], s.snapshot().get("fc2.bias")[0]);
    }

    @Test
    void interruptedRunResumesToTheSameResult(@TempDir Path out) {
        TinyClassifier straight = model(0.2f);
        quiet().optimizer(AdamW.lr(0.01)).schedule(Schedules.linearDecay()).epochs(3).batchSize(8)
                .clipGradNorm(1.0).build().fit(straight, TRAIN);

        TinyClassifier first = model(0.2f);
        RuntimeException boom = assertThrows(RuntimeException.class, () -> quiet().optimizer(AdamW.lr(0.01))
                .schedule(Schedules.linearDecay()).epochs(3).batchSize(8).clipGradNorm(1.0).checkpointEvery(5)
                .outputDir(out).listener(new TrainingListener() {
                    @Override
                    public void onStep(StepEvent s) {
                        if (s.step() == 13) {
                            throw new IllegalStateException("simulated crash at step 13");
                        }
                    }
                }).build().fit(first, TRAIN));
        assertEquals("simulated crash at step 13", boom.getMessage());
        assertEquals(10, Json.read(out.resolve("checkpoint/trainer_state.json")).get("step").asInt());

        TinyClassifier resumed = model(0.2f); // fresh weights: everything comes from the checkpoint
        TrainingResult r = quiet().optimizer(AdamW.lr(0.01)).schedule(Schedules.linearDecay()).epochs(3).batchSize(8)
                .clipGradNorm(1.0).checkpointEvery(5).outputDir(out).build().fit(resumed, TRAIN);
        assertEquals(10, r.resumedFromStep());
        assertEquals(24, r.steps());
        assertEquals(24, r.losses().size());
        assertClose(straight.snapshot(), resumed.snapshot(), 1e-6);

        TrainingException bad = assertThrows(TrainingException.class, () -> quiet().epochs(3).batchSize(4)
                .outputDir(out).build().fit(model(0f), TRAIN));
        assertTrue(bad.getMessage().contains("'batch_size' is 8 but this run has 4"), bad.getMessage());
    }

    @Test
    void writesMetricsAndProgress(@TempDir Path out) throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        TrainingResult r = Trainer.builder().listeners("progress", "metrics", "log")
                .console(new PrintStream(console, true, StandardCharsets.UTF_8)).interactive(false)
                .epochs(5).batchSize(16).outputDir(out).build()
                .fit(model(0f), TRAIN, Validator.loss(HELD_OUT, 64));
        List<String> jsonl = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(20 + 5 + 5, jsonl.size());
        JsonNode first = Json.parse(jsonl.get(0), "line 1");
        assertEquals("step", first.get("event").asText());
        assertEquals(r.losses().get(0), first.get("loss").asDouble(), 1e-12);
        List<String> csv = Files.readAllLines(out.resolve("steps.csv"));
        assertEquals("step,epoch,loss,lr,grad_norm,samples,samples_per_s,step_s,elapsed_s,skipped", csv.get(0));
        assertEquals(21, csv.size());
        assertEquals(6, Files.readAllLines(out.resolve("epochs.csv")).size());
        assertEquals(6, Files.readAllLines(out.resolve("validations.csv")).size());
        // the loss curve is sdk-plots' listener: sdk-core draws nothing
        assertFalse(Files.exists(out.resolve("loss_curve.png")));
        String text = console.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("training: 20 steps (5 epochs x 4)"), text);
        assertTrue(text.contains("step 20/20 epoch 5/5 loss"), text);
        assertTrue(text.contains("samples/s ETA"), text);
        assertTrue(text.contains("validation at step 4: loss"), text);
        assertFalse(text.contains("\r"), "plain lines when not on a terminal");
    }

    @Test
    void badSettingsGetClearMessages() {
        TrainingException e = assertThrows(TrainingException.class,
                () -> quiet().batchSize(100).build().fit(model(0f), TRAIN));
        assertTrue(e.getMessage().contains("64 examples, fewer than one optimizer step's batch (100 x 1 = 100)"), e.getMessage());
        e = assertThrows(TrainingException.class, () -> quiet().batchSize(0).build());
        assertTrue(e.getMessage().contains("batchSize must be >= 1, got 0"), e.getMessage());
        e = assertThrows(TrainingException.class, () -> quiet().earlyStopping(3).build().fit(model(0f), TRAIN));
        assertTrue(e.getMessage().contains("no validator"), e.getMessage());
        e = assertThrows(TrainingException.class, () -> quiet().listeners("nope").build().fit(model(0f), TRAIN));
        assertTrue(e.getMessage().contains("unknown listener 'nope'"), e.getMessage());
        TinyClassifier none = new TinyClassifier(Device.cpu(), 6, 16, 3, 0f, 1, Set.of());
        e = assertThrows(TrainingException.class, () -> quiet().build().fit(none, TRAIN));
        assertTrue(e.getMessage().contains("no trainable parameters"), e.getMessage());
    }

    /**
     * fit(model, train, validation, evaluator): the model answers the validation examples itself
     * (ExamplePredictor) and the evaluator scores them each epoch; the last validation is the
     * evaluator's score of the final model.
     */
    @Test
    void fitsWithValidationExamplesAndAnEvaluator() {
        List<MultimodalExample> validation = new ArrayList<>();
        for (int i = 0; i < HELD_OUT.size(); i++) {
            validation.add(MultimodalExample.builder().id("v" + i).split("val").question("q")
                    .addChoices("0", "1", "2").answerIndex(HELD_OUT.get(i).label()).build());
        }
        Evaluator accuracy = new Evaluator() {
            @Override
            public String name() {
                return "accuracy";
            }

            @Override
            public EvaluationResult evaluate(List<MultimodalExample> examples, Map<String, Prediction> predictions) {
                long ok = examples.stream().filter(e -> predictions.get(e.id()).choiceIndex().getAsInt()
                        == e.answerIndex().getAsInt()).count();
                double pct = 100.0 * ok / examples.size();
                return EvaluationResult.builder().evaluator("accuracy").metric("accuracy").headline(pct)
                        .putBreakdown("all", pct).putGroupSizes("all", examples.size()).build();
            }
        };
        try (PredictingClassifier m = new PredictingClassifier(model(0f))) {
            double before = m.inner.accuracy(HELD_OUT);
            TrainingResult r = quiet().optimizer(AdamW.lr(0.02)).epochs(6).batchSize(16).build()
                    .fit(m, TRAIN, validation, accuracy);
            double after = m.inner.accuracy(HELD_OUT);
            assertTrue(after > before + 0.2, before + " -> " + after);
            assertEquals(100.0 * after, r.lastValidation().get("accuracy"), 1e-9);
            assertTrue(r.bestValue().orElseThrow() >= 100.0 * after - 1e-9);
            assertThrows(TrainingException.class, () -> quiet().build().fit(m, TRAIN, List.of(), accuracy));
        }
    }

    /** The tiny classifier answering examples "vN" with its argmax for held-out sample N. */
    static final class PredictingClassifier implements TrainableModel<Sample>, ExamplePredictor, AutoCloseable {
        final TinyClassifier inner;

        PredictingClassifier(TinyClassifier inner) {
            this.inner = inner;
        }

        @Override
        public Map<String, Prediction> predict(List<MultimodalExample> examples) {
            Map<String, Prediction> out = new java.util.LinkedHashMap<>();
            try (ai.djl.ndarray.NDManager scope = ai.djl.ndarray.NDManager.newBaseManager()) {
                List<Sample> samples = examples.stream().map(e -> HELD_OUT.get(Integer.parseInt(e.id().substring(1)))).toList();
                long[] argmax = inner.logits(samples, scope).argMax(1).toLongArray();
                for (int i = 0; i < examples.size(); i++) {
                    out.put(examples.get(i).id(), Prediction.ofChoice(examples.get(i).id(), (int) argmax[i]));
                }
            }
            return out;
        }

        @Override
        public Map<String, ai.djl.nn.Parameter> trainableParameters() {
            return inner.trainableParameters();
        }

        @Override
        public ai.djl.ndarray.NDArray loss(List<Sample> batch, ai.djl.ndarray.NDManager scope) {
            return inner.loss(batch, scope);
        }

        @Override
        public void setTraining(boolean training) {
            inner.setTraining(training);
        }

        @Override
        public void saveTrainable(Path directory) throws java.io.IOException {
            inner.saveTrainable(directory);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
