package dev.mmpeft.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.io.Json;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import dev.mmpeft.models.instructblip.testing.TinyTokenizers;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.PeftModel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep and the recipe on a tiny random InstructBLIP and a small synthetic ScienceQA task:
 * every cell writes its reports, adapter, plots and summary; a second run resumes (skips every
 * finished cell); a method that is not built in runs through the same sweep.
 */
class SweepTest {
    @TempDir static Path tmp;
    static Path modelDir;
    static TaskData task;

    @BeforeAll
    static void writeModelAndData() throws Exception {
        modelDir = tmp.resolve("model");
        InstructBlipPresets.writeTiny(modelDir, TinyTokenizers.WORDS, true, false, 3, 0.3f);
        Path data = SyntheticDataset.builder().seed(5).variant(Variant.SHIFTED).train(16).val(4).test(6).imageSize(28)
                .choices(3).build().writeScienceQa(tmp.resolve("data"));
        task = TaskData.of("scienceqa", data);
    }

    /** LoRA on the LLM feed-forward with query tokens and projection trained too, under a name of its own. */
    static final class LoraWithExtras implements AdaptationMethod {
        @Override
        public String name() {
            return "LORA_EXTRAS";
        }

        @Override
        public String label(FineTuning s) {
            return "LLM_FFN+EXTRAS";
        }

        @Override
        public String slug(FineTuning s) {
            return "lora-extras-r" + s.rank();
        }

        @Override
        public int size(FineTuning s) {
            return s.rank();
        }

        @Override
        public PeftModel<?> adapt(BaseModel base, FineTuning s) {
            return StandardMethods.LORA.adapt(base,
                    s.toBuilder().method(StandardMethods.LORA).components(EnumSet.of(Component.LLM_FFN)).trainExtras(true).build());
        }
    }

    @Test
    void runsResumesAndTabulatesAGridAndAPluggedInMethod() throws Exception {
        Path out = tmp.resolve("sweep");
        FineTuning recipe = FineTuning.lora(EnumSet.of(Component.QFORMER_CROSS_ATTN), 1).withRecipe(1e-2, 2, 8, 0);
        Sweep.Grid grid = new Sweep.Grid(List.of(EnumSet.of(Component.QFORMER_CROSS_ATTN), EnumSet.of(Component.LLM_FFN)),
                List.of(1), false, true);
        List<FineTuning> settings = new ArrayList<>(grid.settings(recipe, FineTuning.fullQformer()));
        settings.add(recipe.toBuilder().method(new LoraWithExtras()).rank(2).alpha(4).build());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream console = new PrintStream(log, true, StandardCharsets.UTF_8);
        Sweep.Result first;
        try (InstructBlip model = InstructBlip.load(modelDir);
                InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, model.config())) {
            first = Sweep.run(model, processor, "tiny", task, settings, out, console);
        }
        assertEquals(4, first.ran());
        assertEquals(List.of("zero-shot", "lora-qformer_cross_attn-r1", "lora-llm_ffn-r1", "lora-extras-r2"),
                first.cells().stream().map(Sweep.Cell::setting).toList());

        Path cell = out.resolve("cells/lora-qformer_cross_attn-r1");
        JsonNode summary = Json.read(cell.resolve(Experiment.SUMMARY));
        assertEquals("LORA", summary.get("method").asText());
        assertEquals("QFORMER_CROSS_ATTN", summary.get("components").asText());
        assertEquals(1, summary.get("rank").asInt());
        assertEquals(2, summary.get("training").get("epochs").asInt());
        assertEquals(first.cells().get(1).accuracy(), summary.get("accuracy").asDouble());
        assertTrue(summary.get("trainable_parameters").asLong() > 0);
        for (String f : List.of("fine-tuned/result.json", "fine-tuned/result.png", "adapter/adapter_config.json",
                "adapter/adapter_model.safetensors", "training/loss_curve.png", "training/metrics.jsonl",
                "trainable-parameters.txt")) {
            assertTrue(Files.isRegularFile(cell.resolve(f)), f);
        }
        // two validations (one per epoch), each scored by the ScienceQA evaluator on the model's own answers
        assertEquals(2, Files.readAllLines(cell.resolve("training/validations.csv")).size() - 1);
        JsonNode zero = Json.read(out.resolve("cells/zero-shot/summary.json"));
        assertEquals("ZERO_SHOT", zero.get("method").asText());
        assertEquals(0, zero.get("trainable_parameters").asLong());
        JsonNode custom = Json.read(out.resolve("cells/lora-extras-r2/summary.json"));
        assertEquals("LORA_EXTRAS", custom.get("method").asText());
        assertEquals(2, custom.get("rank").asInt());
        assertTrue(custom.get("trainable_parameters").asLong() > summary.get("trainable_parameters").asLong(),
                "query tokens and projection train too");

        List<String> csv = Files.readAllLines(out.resolve("runs.csv"));
        assertEquals("component,rank,trainable_parameters,accuracy", csv.get(0));
        assertEquals(4, csv.size(), "the three trained cells; zero-shot is a baseline line of sweep.md");
        assertTrue(Files.readString(out.resolve("sweep.md")).contains("- zero-shot baseline: "));
        assertTrue(Files.size(out.resolve("accuracy-vs-parameters.png")) > 1000);

        Sweep.Result again;
        try (InstructBlip model = InstructBlip.load(modelDir);
                InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, model.config())) {
            again = Sweep.run(model, processor, "tiny", task, settings, out, console);
        }
        assertEquals(0, again.ran());
        assertEquals(4, again.skipped());
        assertEquals(first.cells(), again.cells());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("[2/4] lora-qformer_cross_attn-r1: done before, skipping"));
    }

    @Test
    void aStudyOfMethodsWritesTheMethodTableAndAPlotWithASeriesPerMethod() throws Exception {
        Path out = tmp.resolve("study");
        Sweep.Study study = new Sweep.Study(List.of(StandardMethods.IA3, StandardMethods.PREFIX), List.of(false, true), true);
        List<FineTuning> settings = study.settings(m -> FineTuning.study(m).withRecipe(1e-2, 1, 8, 0));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Sweep.Result result;
        try (InstructBlip model = InstructBlip.load(modelDir);
                InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, model.config())) {
            result = Sweep.run(model, processor, "tiny", task, settings, out, new PrintStream(log, true, StandardCharsets.UTF_8));
        }
        assertEquals(List.of("zero-shot", "ia3", "ia3-connector", "prefix-vt10", "prefix-vt10-connector"),
                result.cells().stream().map(Sweep.Cell::setting).toList());
        // the tiny T5 (d_model 16 = 4 heads x d_kv 4, d_ff 24, 2 + 2 layers) and its connector (Q-Former 16 -> 16)
        long ia3 = 3 * 2 * 2 * 16 + 2 * 2 * 24;
        long prefix = 10 * 2 * 2 * 16;
        long connector = 16 * 16 + 16;
        assertEquals(List.of(0L, ia3, ia3 + connector, prefix, prefix + connector),
                result.cells().stream().map(Sweep.Cell::trainableParameters).toList());
        Sweep.Cell tuned = result.cells().get(4);
        assertEquals(List.of("PREFIX", "Prefix", "vt=10", true, 10), List.of(tuned.method(), tuned.methodName(), tuned.size(),
                tuned.connectorTuned(), tuned.rank()));
        JsonNode summary = Json.read(out.resolve("cells/prefix-vt10-connector/summary.json"));
        assertEquals("tuned", summary.get("connector").asText());
        assertEquals("vt=10", summary.get("size").asText());

        List<String> csv = Files.readAllLines(out.resolve(MethodTable.CSV));
        assertEquals("method,size,components,connector,trainable_parameters,accuracy,gain", csv.get(0));
        double zero = result.cells().get(0).accuracy();
        assertEquals("IA3,,LLM,frozen," + ia3 + "," + result.cells().get(1).accuracy() + "," + (result.cells().get(1).accuracy() - zero),
                csv.get(1));
        assertEquals(5, csv.size());
        String md = Files.readString(out.resolve("sweep.md"));
        assertTrue(md.contains("## Accuracy (%) and trainable parameters, method x connector"), md);
        assertTrue(md.contains(String.format("| Prefix vt=10 (LLM) | %,d | %,d |", prefix, prefix + connector)), md);
        assertFalse(md.contains("component x rank"), "no LoRA cell, no component x rank table: " + md);
        assertFalse(Files.exists(out.resolve("runs.csv")));
        assertTrue(Files.readString(out.resolve(MethodTable.MARKDOWN)).startsWith("# PEFT methods: tiny on scienceqa"));
        BufferedImage plot = ImageIO.read(out.resolve("accuracy-vs-parameters.png").toFile());
        assertEquals(1000, plot.getWidth());
    }
}
