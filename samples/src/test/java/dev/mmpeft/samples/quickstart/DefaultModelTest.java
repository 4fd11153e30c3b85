package dev.mmpeft.samples.quickstart;


import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.datasets.ScienceQa;
import dev.mmpeft.datasets.synthetic.QuestionFamily;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.eval.Evaluators;
import dev.mmpeft.models.generation.Predictor;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged default model: it unpacks (checked against its manifest), loads, and answers its base task. */
class DefaultModelTest {
    @Test
    void packagedModelUnpacksLoadsAndAnswersFreshColourQuestions(@TempDir Path cache, @TempDir Path tmp) throws Exception {
        System.setProperty("mmpeft.cache", cache.toString());
        Path dir = DefaultModel.directory();
        assertTrue(dir.startsWith(cache), dir.toString());
        assertEquals(dir, DefaultModel.directory(), "a second call reuses the unpacked copy");
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", "qformer_tokenizer/tokenizer.json",
                "README.md", DefaultModel.MANIFEST}) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        // colour questions the model never saw (another seed), in the layout and template it was trained with
        Path data = SyntheticDataset.builder().seed(314).families(List.of(QuestionFamily.COLOR)).train(0).val(0).test(48)
                .imageSize(56).build().writeScienceQa(tmp.resolve("colours"));
        List<MultimodalExample> test = ScienceQa.reader().root(data).split("test").readAll();
        try (InstructBlip model = InstructBlip.load(dir); InstructBlipProcessor processor = InstructBlipProcessor.load(dir, model.config())) {
            assertEquals(386_144, model.parameterCount());
            EvaluationResult r = Evaluators.scienceQa().evaluate(test,
                    Predictor.of(model, processor).predict(DefaultModel.TEMPLATE.renderAll(test)));
            assertTrue(r.headline() >= 90, "base-task accuracy of the default model: " + r.headline());
        }
    }

    @Test
    void buildRunsTheWholeRecipeAndWritesALoadableModelWithCardAndManifest(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Path out = tmp.resolve("model");
        DefaultModel.BuildReport report = DefaultModel.build(out, DefaultModel.Recipe.standard().quick(64, 1),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals(386_144, report.parameters());
        assertEquals(4, report.training().steps(), "64 examples in batches of 16, one epoch");
        String card = Files.readString(out.resolve("README.md"));
        assertTrue(card.contains("386,144") && card.contains("held-out accuracy on the base task"), card);
        String manifest = Files.readString(out.resolve(DefaultModel.MANIFEST));
        assertTrue(manifest.contains("  model.safetensors\n") && manifest.contains("  qformer_tokenizer/tokenizer.json\n"), manifest);
        try (InstructBlip model = InstructBlip.load(out)) {
            assertEquals(386_144, model.parameterCount());
        }
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("pre-training " + DefaultModel.NAME));
    }
}
