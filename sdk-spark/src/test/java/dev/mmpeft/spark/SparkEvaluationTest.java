package dev.mmpeft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.experiments.Experiment;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.models.generation.Predictor;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import dev.mmpeft.models.instructblip.testing.TinyTokenizers;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.peft.lora.InitLoraWeights;
import dev.mmpeft.spark.internal.ExecutorModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distributed evaluation against the single-machine {@link Experiment#evaluate}: 1,000 synthetic
 * ScienceQA questions over 4 partitions with a LoRA adapter give the same predictions and the same
 * result (headline, breakdown, records); Parquet holds the same predictions; a DataFrame of image
 * paths and prompts is answered by generation as {@link Predictor} answers it.
 */
class SparkEvaluationTest {
    @TempDir static Path tmp;
    static Path modelDir;
    static Path generationModelDir;
    static Path adapterDir;
    static TaskData task;

    @BeforeAll
    static void writeModelAdapterAndData() throws Exception {
        modelDir = tmp.resolve("model");
        InstructBlipPresets.writeTiny(modelDir, TinyTokenizers.WORDS, true, false, 11, 0.3f);
        // its own copy for the generation test, so each test sees its own loads in the executor's cache
        generationModelDir = tmp.resolve("model-generation");
        InstructBlipPresets.writeTiny(generationModelDir, TinyTokenizers.WORDS, true, false, 11, 0.3f);
        adapterDir = tmp.resolve("adapter");
        try (InstructBlip base = InstructBlip.load(modelDir);
                PeftModel<InstructBlip> lora = Peft.lora().rank(2).alpha(4).init(InitLoraWeights.RANDOM).seed(3)
                        .target(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN).on(base)) {
            lora.save(adapterDir); // random B: the adapter changes the answers from the start
        }
        Path data = SyntheticDataset.builder().seed(8).variant(Variant.SHIFTED).train(2).val(2).test(1000).imageSize(28)
                .choices(4).build().writeScienceQa(tmp.resolve("data"));
        task = TaskData.of("scienceqa", data);
    }

    @Test
    void thousandExamplesOverFourPartitionsEqualTheSingleMachineEvaluation() throws Exception {
        List<MultimodalExample> examples = task.examples("test");
        assertEquals(1000, examples.size());
        EvaluationResult expected;
        EvaluationResult baseOnly;
        try (InstructBlip base = InstructBlip.load(modelDir);
                InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, base.config());
                PeftModel<InstructBlip> adapted = Peft.load(base, adapterDir, false)) {
            expected = Experiment.evaluate(adapted.model(), processor, task, examples);
            baseOnly = Experiment.evaluate(base, processor, task, examples.subList(0, 50));
        }
        SparkSession spark = TestSpark.get();
        int loadsBefore = ExecutorModels.loads();
        String parquet = tmp.resolve("predictions.parquet").toString();
        SparkEvaluation.Outcome o = SparkEvaluation.of(modelDir).adapter(adapterDir).evaluate(spark, task, examples, 4,
                Optional.of(parquet));

        assertEquals(4, o.predictions().rdd().getNumPartitions());
        assertEquals(2, ExecutorModels.loads() - loadsBefore, "the base model and the adapter, each loaded once for 4 tasks");
        assertEquals(expected, o.result(), "same headline, breakdown, group sizes and per-example records");
        // the records hold each example's chosen option, so equal records are equal predictions; all 1,000 are choices
        assertEquals(1000, o.byId().size());
        assertTrue(o.byId().values().stream().allMatch(p -> p.choiceIndex().isPresent() && p.text().isEmpty()));
        assertNotEquals(baseOnly.records(), o.result().records().subList(0, 50), "the adapter was applied");
        System.out.printf("spark evaluation of 1,000 examples: %s %.4f, breakdown %s%n", o.result().evaluator(),
                o.result().headline(), o.result().breakdown());

        Dataset<Row> fromParquet = spark.read().parquet(parquet);
        assertEquals(List.of("id", "choice_index", "text"), List.of(fromParquet.columns()));
        assertEquals(o.byId(), SparkEvaluation.collect(fromParquet));
    }

    @Test
    void aFrameOfImagePathsAndPromptsIsAnsweredByGeneration() throws Exception {
        List<MultimodalExample> examples = task.examples("test").subList(0, 12);
        List<Row> rows = new ArrayList<>();
        List<Prompt> prompts = new ArrayList<>();
        for (MultimodalExample e : examples) {
            String text = "Question: " + e.question() + " Short answer:";
            rows.add(RowFactory.create("img-" + e.id(), e.images().get(0).toString(), text));
            prompts.add(Prompt.builder().exampleId("img-" + e.id()).addImages(e.images().get(0)).instruction(text).input(text)
                    .build());
        }
        StructType schema = new StructType().add("key", DataTypes.StringType).add("image_path", DataTypes.StringType)
                .add("prompt", DataTypes.StringType);
        SparkSession spark = TestSpark.get();
        Dataset<Row> frame = spark.createDataFrame(rows, schema).repartition(3);

        // batches of one: the same batches as the single machine's, so generation is compared bit for bit
        SparkEvaluation eval = SparkEvaluation.of(generationModelDir).generation(1, 5).batchSize(1);
        Map<String, Prediction> got = SparkEvaluation.collect(eval.predict(SparkEvaluation.promptsOf(frame, "key", "image_path", "prompt")));
        Map<String, Prediction> expected;
        try (InstructBlip base = InstructBlip.load(generationModelDir);
                InstructBlipProcessor processor = InstructBlipProcessor.load(generationModelDir, base.config())) {
            expected = Predictor.of(base, processor).generation(dev.mmpeft.models.generation.GenerationConfig.greedy(5)).batchSize(1)
                    .predict(prompts);
        }
        assertEquals(expected, got);
        assertTrue(got.values().stream().allMatch(p -> p.text().isPresent() && p.choiceIndex().isEmpty()));
        assertTrue(got.values().stream().anyMatch(p -> !p.text().orElseThrow().isEmpty()), "some text was generated");

        SparkJobException e = assertThrows(SparkJobException.class,
                () -> SparkEvaluation.promptsOf(frame, "key", "image", "prompt"));
        assertEquals("prompt frame: no column 'image'; expected a string column, found columns [key, image_path, prompt]",
                e.getMessage());
    }
}
