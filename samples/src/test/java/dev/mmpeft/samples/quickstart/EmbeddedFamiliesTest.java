package dev.mmpeft.samples.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.datasets.IconQa;
import dev.mmpeft.datasets.ScienceQa;
import dev.mmpeft.datasets.prompt.PromptTemplates;
import dev.mmpeft.datasets.synthetic.QuestionFamily;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.experiments.TaskCard;
import dev.mmpeft.models.family.Models;
import dev.mmpeft.models.family.MultimodalModel;
import dev.mmpeft.models.lavin.Lavin;
import dev.mmpeft.models.lavin.LavinProcessor;
import dev.mmpeft.models.llava.Llava;
import dev.mmpeft.models.llava.LlavaProcessor;
import dev.mmpeft.models.processing.TextTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded LLaVA and LaVIN models: they resolve by name, unpack (checked against their
 * manifests), load through {@link Models#load}, answer fresh base-task questions they never saw
 * well above chance, and their tokenizers cover every prompt the synthetic tasks produce; each
 * family's recipe builds a loadable directory.
 */
class EmbeddedFamiliesTest {
    @TempDir static Path cache;

    private static void useCache() {
        System.setProperty("mmpeft.cache", cache.toString());
    }

    /** Fresh base-task colour questions (another seed than the build's), rendered by the family's template. */
    static List<Prompt> freshBaseQuestions(EmbeddedFamily family, Path dir, double textOnly) {
        Path data = SyntheticDataset.builder().seed(314).variant(Variant.BASE).families(List.of(QuestionFamily.COLOR)).train(0).val(0)
                .test(48).imageSize(56).textOnlyFraction(textOnly).build().writeScienceQa(dir);
        List<MultimodalExample> test = ScienceQa.reader().root(data).split("test").readAll();
        return family.template().renderAll(test);
    }

    /** Percent of prompts whose lowest-loss candidate is the answer, scored one prompt at a time. */
    static double llavaAccuracy(Llava model, LlavaProcessor processor, List<Prompt> prompts) {
        int right = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (Prompt p : prompts) {
                try (NDManager scope = m.newSubManager()) {
                    if (model.scoreCandidates(processor.scoringInputs(List.of(p), scope), processor.candidateIds(p.candidates())).best(0)
                            == p.answerIndex().getAsInt()) {
                        right++;
                    }
                }
            }
        }
        return 100.0 * right / prompts.size();
    }

    /** Accuracy (percent) of candidate scoring on the text-only prompts and on the image prompts. */
    static double[] lavinAccuracy(Lavin model, LavinProcessor processor, List<Prompt> prompts) {
        int[] right = new int[2];
        int[] all = new int[2];
        try (NDManager m = NDManager.newBaseManager()) {
            for (Prompt p : prompts) {
                try (NDManager scope = m.newSubManager()) {
                    int kind = p.images().isEmpty() ? 0 : 1;
                    all[kind]++;
                    if (model.scoreCandidates(processor.scoringInputs(List.of(p), scope), processor.candidateIds(p.candidates())).best(0)
                            == p.answerIndex().getAsInt()) {
                        right[kind]++;
                    }
                }
            }
        }
        return new double[] {100.0 * right[0] / Math.max(1, all[0]), 100.0 * right[1] / Math.max(1, all[1]), all[0], all[1]};
    }

    @Test
    void packagedLlavaResolvesLoadsAndAnswersFreshColourQuestions(@TempDir Path tmp) throws Exception {
        useCache();
        Path dir = EmbeddedModels.resolve("embedded:llava");
        assertTrue(dir.startsWith(cache), dir.toString());
        assertEquals(dir, EmbeddedModels.resolve("embedded:mmpeft-tiny-llava"));
        assertEquals("mmpeft-tiny-llava", EmbeddedModels.modelId("embedded:llava"));
        assertTrue(Files.readString(dir.resolve(PackagedModel.MANIFEST)).contains("  model.safetensors\n"));
        assertEquals(PromptTemplates.scienceQaAnswerText(), TaskCard.read(dir).orElseThrow().template());
        try (MultimodalModel loaded = Models.load(dir)) {
            assertEquals("llava", loaded.family());
            Llava model = (Llava) loaded.model();
            try (LlavaProcessor processor = LlavaProcessor.load(dir, model.config())) {
                assertEquals(156_816, model.parameterCount());
                double accuracy = llavaAccuracy(model, processor, freshBaseQuestions(EmbeddedFamily.LLAVA, tmp.resolve("colours"), 0));
                System.out.printf(Locale.ROOT, "embedded LLaVA, fresh base-task questions: %.1f%% (chance 25%%)%n", accuracy);
                assertTrue(accuracy >= 90, "base-task accuracy of the embedded LLaVA: " + accuracy);
            }
        }
    }

    @Test
    void packagedLavinResolvesLoadsAndAnswersFreshImageAndTextOnlyQuestions(@TempDir Path tmp) throws Exception {
        useCache();
        Path dir = EmbeddedModels.resolve("embedded:lavin");
        assertTrue(dir.startsWith(cache), dir.toString());
        assertEquals("mmpeft-tiny-lavin", EmbeddedModels.modelId("embedded:lavin"));
        assertEquals(FamilyParts.LAVIN_TEMPLATE, TaskCard.read(dir).orElseThrow().template());
        try (MultimodalModel loaded = Models.load(dir)) {
            assertEquals("lavin", loaded.family());
            Lavin model = (Lavin) loaded.model();
            try (LavinProcessor processor = LavinProcessor.load(dir, model.config())) {
                double[] acc = lavinAccuracy(model, processor, freshBaseQuestions(EmbeddedFamily.LAVIN, tmp.resolve("colours"), 0.3));
                System.out.printf(Locale.ROOT, "embedded LaVIN, fresh base-task questions: text-only %.1f%% (%d), image %.1f%% (%d);"
                        + " chance 25%%%n", acc[0], (int) acc[2], acc[1], (int) acc[3]);
                assertTrue(acc[2] >= 5 && acc[3] >= 20, "both kinds of questions asked: " + Arrays.toString(acc));
                assertTrue(acc[0] >= LAVIN_TEXT_ONLY_MIN, "text-only base-task accuracy of the embedded LaVIN: " + acc[0]);
                assertTrue(acc[1] >= LAVIN_IMAGE_MIN, "image base-task accuracy of the embedded LaVIN: " + acc[1]);
            }
        }
    }

    /**
     * Thresholds for the packaged LaVIN on these 48 fresh questions; measured on the committed model:
     * text-only 100.0% (18 questions), image 93.3% (30). LLaVA's 90% above: measured 100.0% (48).
     */
    static final double LAVIN_TEXT_ONLY_MIN = 80;
    static final double LAVIN_IMAGE_MIN = 80;

    @Test
    void everyPromptOfTheSyntheticTasksTokenizesWithoutUnknownWords(@TempDir Path tmp) throws Exception {
        useCache();
        SyntheticDataset all = SyntheticDataset.builder().seed(99).families(List.of(QuestionFamily.values())).train(60).val(0).test(0)
                .imageSize(28).choices(4).textOnlyFraction(0.5).build();
        List<MultimodalExample> sqa = ScienceQa.reader().root(all.writeScienceQa(tmp.resolve("sqa"))).split("train").readAll();
        List<MultimodalExample> icon = IconQa.reader().root(all.writeIconQa(tmp.resolve("icon"))).split("train").subtasks("choose_txt")
                .readAll();
        for (EmbeddedFamily family : List.of(EmbeddedFamily.LLAVA, EmbeddedFamily.LAVIN)) {
            List<Prompt> prompts = new ArrayList<>();
            for (var t : List.of(PromptTemplates.scienceQa(), PromptTemplates.scienceQaAnswerText(), PromptTemplates.lavinScienceQa())) {
                prompts.addAll(t.renderAll(sqa));
            }
            prompts.addAll(PromptTemplates.iconQa().renderAll(icon));
            Path dir = family.directory();
            try (TextTokenizer tokenizer = TextTokenizer.load(dir, OptionalInt.empty())) {
                long unk = tokenizer.tokenId("<unk>").orElseThrow();
                List<String> texts = new ArrayList<>();
                for (Prompt p : prompts) {
                    texts.add(family == EmbeddedFamily.LLAVA ? LlavaProcessor.promptText(p) : LavinProcessor.NO_IMAGE_PREFIX + " " + p.input());
                    texts.addAll(p.candidates());
                    p.target().ifPresent(texts::add);
                }
                for (String text : texts) {
                    long[] ids = tokenizer.encode(text);
                    assertFalse(Arrays.stream(ids).anyMatch(id -> id == unk), family + ": unknown word in '" + text + "'");
                }
            }
        }
    }

    @Test
    void eachFamilysRecipeBuildsALoadableModelWithCardTaskCardAndManifest(@TempDir Path tmp) throws Exception {
        for (EmbeddedFamily family : List.of(EmbeddedFamily.LLAVA, EmbeddedFamily.LAVIN)) {
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            Path out = tmp.resolve(family.flag());
            DefaultModel.BuildReport report = family.build(out, family.standardRecipe().quick(32, 1),
                    new PrintStream(log, true, StandardCharsets.UTF_8));
            assertEquals(2, report.training().steps(), family + ": 32 examples in batches of 16, one epoch");
            String card = Files.readString(out.resolve("README.md"));
            assertTrue(card.startsWith("# " + family.modelName()) && card.contains(String.format(Locale.ROOT, "%,d", report.parameters()))
                    && card.contains("held-out accuracy on the base task") && card.contains("--family " + family.flag()), card);
            String manifest = Files.readString(out.resolve(PackagedModel.MANIFEST));
            for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "mmpeft_task.json",
                    "README.md")) {
                assertTrue(manifest.contains("  " + f + "\n"), family + " manifest lacks " + f + ":\n" + manifest);
            }
            assertEquals(family.template(), TaskCard.read(out).orElseThrow().template());
            try (MultimodalModel loaded = Models.load(out)) {
                assertEquals(family.flag(), loaded.family());
                assertEquals(report.parameters(), loaded.model().parameterCount());
            }
            assertTrue(log.toString(StandardCharsets.UTF_8).contains("pre-training " + family.modelName()));
        }
    }

    @Test
    void unknownFamiliesAndModelsAreNamedInTheError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmbeddedFamily.of("blip2"));
        assertTrue(e.getMessage().contains("'blip2'") && e.getMessage().contains("instructblip, llava, lavin"), e.getMessage());
        MmpeftException m = assertThrows(MmpeftException.class, () -> EmbeddedModels.resolve("embedded:qwen"));
        assertTrue(m.getMessage().contains("'embedded:qwen'") && m.getMessage().contains("mmpeft-tiny-lavin (alias lavin)"), m.getMessage());
    }
}
