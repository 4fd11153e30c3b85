package dev.mmpeft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.Component;
import dev.mmpeft.experiments.AdaptationMethod;
import dev.mmpeft.experiments.Experiment;
import dev.mmpeft.experiments.BaseModel;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.StandardMethods;
import dev.mmpeft.experiments.Sweep;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import dev.mmpeft.models.instructblip.testing.TinyTokenizers;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.spark.internal.CellSpec;
import dev.mmpeft.spark.internal.ExecutorModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2 x 2 sweep (two component sets x ranks 1 and 2) on a tiny random InstructBLIP, once with the
 * single-machine {@link Sweep} and once through Spark ({@code local[2,2]}) with one cell's first
 * attempt failing: the same table, every cell exactly once, the base model loaded once, and a rerun
 * that runs nothing.
 */
class SparkSweepTest {
    @TempDir static Path tmp;
    static Path modelDir;
    static TaskData task;

    /** Failures injected so far (tasks run in this JVM under local[2,2]). */
    static final AtomicInteger INJECTED = new AtomicInteger();

    @BeforeAll
    static void writeModelAndData() throws Exception {
        modelDir = tmp.resolve("model");
        InstructBlipPresets.writeTiny(modelDir, TinyTokenizers.WORDS, true, false, 3, 0.3f);
        Path data = SyntheticDataset.builder().seed(5).variant(Variant.SHIFTED).train(16).val(4).test(12).imageSize(28)
                .choices(3).build().writeScienceQa(tmp.resolve("data"));
        task = TaskData.of("scienceqa", data);
    }

    /** LoRA under its own name, except that the first attempt of the Spark task of one setting throws. */
    static final class FailsOnFirstAttempt implements AdaptationMethod, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public String name() {
            return StandardMethods.LORA.name();
        }

        @Override
        public String displayName() {
            return StandardMethods.LORA.displayName();
        }

        @Override
        public String label(FineTuning s) {
            return StandardMethods.LORA.label(s);
        }

        @Override
        public String slug(FineTuning s) {
            return StandardMethods.LORA.slug(s);
        }

        @Override
        public int size(FineTuning s) {
            return StandardMethods.LORA.size(s);
        }

        @Override
        public void check(FineTuning s) {
            StandardMethods.LORA.check(s);
        }

        @Override
        public PeftModel<?> adapt(BaseModel base, FineTuning s) {
            TaskContext context = TaskContext.get();
            if (context != null && context.attemptNumber() == 0) {
                INJECTED.incrementAndGet();
                throw new IllegalStateException("injected failure of the first attempt of " + s.slug());
            }
            return StandardMethods.LORA.adapt(base, s);
        }
    }

    static List<FineTuning> grid() {
        FineTuning recipe = FineTuning.lora(EnumSet.of(Component.QFORMER_CROSS_ATTN), 1).withRecipe(1e-2, 2, 8, 0);
        return new Sweep.Grid(List.of(EnumSet.of(Component.QFORMER_CROSS_ATTN), EnumSet.of(Component.LLM_FFN)), List.of(1, 2),
                false, false).settings(recipe, FineTuning.fullQformer());
    }

    @Test
    void aSparkSweepWithAFailedAttemptGivesTheSingleMachineTableWithEveryCellOnce() throws Exception {
        List<FineTuning> settings = grid();
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        Path single = tmp.resolve("single");
        Sweep.Result expected;
        try (InstructBlip model = InstructBlip.load(modelDir);
                InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, model.config())) {
            expected = Sweep.run(model, processor, "tiny", task, settings, single, quiet);
        }
        assertEquals(4, expected.ran());

        List<FineTuning> sparkSettings = new ArrayList<>(settings);
        sparkSettings.set(2, settings.get(2).toBuilder().method(new FailsOnFirstAttempt()).build()); // lora-llm_ffn-r1
        Path out = tmp.resolve("spark");
        int loadsBefore = ExecutorModels.loads();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        SparkSweep.Result r = SparkSweep.run(TestSpark.get(), modelDir, "tiny", task, sparkSettings, out.toString(),
                new PrintStream(log, true, StandardCharsets.UTF_8));

        assertEquals(1, INJECTED.get(), "the first attempt of lora-llm_ffn-r1 failed once and Spark retried it");
        assertEquals(1, ExecutorModels.loads() - loadsBefore, "the executor JVM loaded the base model once for four tasks");
        assertEquals(4, r.ran());
        assertEquals(0, r.skipped());
        assertEquals(expected.cells(), r.cells(), "same setting, components, rank, parameters and accuracy per cell");
        for (String table : List.of("runs.csv", "runs.md", "sweep.md")) {
            assertEquals(Files.readString(single.resolve(table)), Files.readString(out.resolve(table)), table);
        }
        assertTrue(Files.size(out.resolve("accuracy-vs-parameters.png")) > 1000);
        System.out.println("spark sweep table (runs.md):\n" + Files.readString(out.resolve("runs.md")));

        // every cell exactly once: four complete folders, nothing half-written or left over from the failed attempt
        List<String> folders;
        try (var s = Files.list(out.resolve(Sweep.CELLS))) {
            folders = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(r.folders().stream().sorted().toList(), folders);
        for (String f : folders) {
            Path cell = out.resolve(Sweep.CELLS).resolve(f);
            for (String file : List.of(Experiment.SUMMARY, "adapter/adapter_model.safetensors", "fine-tuned/result.json",
                    "training/metrics.jsonl", "cell.log")) {
                assertTrue(Files.isRegularFile(cell.resolve(file)), f + "/" + file);
            }
        }
        // the tiny random model answers every cell alike (the same accuracy in all four), so the cells are also
        // compared where they differ: each training step's loss and gradient norm, and each test answer
        for (int i = 0; i < settings.size(); i++) {
            Path singleCell = single.resolve(Sweep.CELLS).resolve(settings.get(i).slug());
            Path sparkCell = out.resolve(Sweep.CELLS).resolve(r.folders().get(i));
            List<String> steps = trainingSteps(singleCell);
            assertEquals(2 * 2, steps.size(), "2 epochs x 2 steps of 8 in " + singleCell);
            assertEquals(steps, trainingSteps(sparkCell), settings.get(i).slug() + ": loss and gradient norm per step");
            assertEquals(Files.readString(singleCell.resolve("fine-tuned/result.json")),
                    Files.readString(sparkCell.resolve("fine-tuned/result.json")), settings.get(i).slug() + ": per-example answers");
        }
        assertEquals(4, java.util.stream.IntStream.range(0, settings.size())
                .mapToObj(i -> trainingSteps(single.resolve(Sweep.CELLS).resolve(settings.get(i).slug())).get(0)).distinct().count(),
                "the four cells train differently from their first step");

        List<String> csv = Files.readAllLines(out.resolve(SparkSweep.CELLS_CSV));
        assertEquals(5, csv.size());
        assertTrue(csv.get(3).startsWith("lora-llm_ffn-r1,"), csv.get(3));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("[3/4] lora-llm_ffn-r1: a Spark task (lora-llm_ffn-r1-"));

        // the rerun finds every cell by its key and runs nothing
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        SparkSweep.Result second = SparkSweep.run(TestSpark.get(), modelDir, "tiny", task, sparkSettings, out.toString(),
                new PrintStream(again, true, StandardCharsets.UTF_8));
        assertEquals(0, second.ran());
        assertEquals(4, second.skipped());
        assertEquals(r.cells(), second.cells());
        assertEquals(1, INJECTED.get(), "no task ran again");
        assertTrue(again.toString(StandardCharsets.UTF_8).contains("[4/4] lora-llm_ffn-r2: done before, skipping"));
    }

    /** {@code step loss grad_norm} of each training step in a cell's metrics (timings left out: they differ run to run). */
    static List<String> trainingSteps(Path cell) {
        try {
            List<String> steps = new ArrayList<>();
            for (String line : Files.readAllLines(cell.resolve("training/metrics.jsonl"))) {
                com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
                if (n.path("event").asText().equals("step")) {
                    steps.add(n.get("step").asInt() + " " + n.get("loss").asDouble() + " " + n.get("grad_norm").asDouble());
                }
            }
            return steps;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void cellKeysFollowTheRecipeAndMethodsMustBeSerializable() {
        FineTuning s = grid().get(0);
        String root = task.root().toString();
        CellSpec a = CellSpec.of(s, "tiny", "scienceqa", root);
        assertEquals(a, CellSpec.of(s, "tiny", "scienceqa", root));
        assertEquals(s, a.setting(), "the executor rebuilds the same setting");
        assertTrue(a.folder().matches("lora-qformer_cross_attn-r1-[0-9a-f]{12}"), a.folder());
        assertFalse(a.key().equals(CellSpec.of(s.withRecipe(5e-3, 2, 8, 0), "tiny", "scienceqa", root).key()),
                "another learning rate is another cell");
        assertFalse(a.key().equals(CellSpec.of(s.withSeed(7), "tiny", "scienceqa", root).key()));
        assertFalse(a.key().equals(CellSpec.of(s, "other-model", "scienceqa", root).key()));

        AdaptationMethod notSerializable = new AdaptationMethod() {
            @Override
            public String name() {
                return "LOCAL_ONLY";
            }

            @Override
            public String label(FineTuning f) {
                return "X";
            }

            @Override
            public String slug(FineTuning f) {
                return "local-only";
            }

            @Override
            public int size(FineTuning f) {
                return 1;
            }

            @Override
            public PeftModel<?> adapt(BaseModel b, FineTuning f) {
                throw new UnsupportedOperationException();
            }
        };
        FineTuning local = s.toBuilder().method(notSerializable).build();
        SparkJobException e = assertThrows(SparkJobException.class, () -> CellSpec.of(local, "tiny", "scienceqa", root));
        assertTrue(e.getMessage().startsWith("setting local-only: adaptation method LOCAL_ONLY ("), e.getMessage());
        assertTrue(e.getMessage().contains("is not Serializable"), e.getMessage());

        SparkJobException twice = assertThrows(SparkJobException.class, () -> SparkSweep.run(TestSpark.get(), modelDir, "tiny",
                task, List.of(s, s), tmp.resolve("twice").toString(), System.out));
        assertTrue(twice.getMessage().startsWith("settings: lora-qformer_cross_attn-r1 is listed twice"), twice.getMessage());
    }
}
