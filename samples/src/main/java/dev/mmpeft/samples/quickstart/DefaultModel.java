package dev.mmpeft.samples.quickstart;

import com.google.common.hash.Hashing;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.QFormerConfig;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.core.config.VisionConfig;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.train.EarlyStopping;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.TrainingResult;
import dev.mmpeft.core.train.Validator;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.schedule.Schedules;
import dev.mmpeft.datasets.ScienceQa;
import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;
import dev.mmpeft.datasets.synthetic.QuestionFamily;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.eval.Evaluators;
import dev.mmpeft.experiments.TaskCard;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.models.generation.Predictor;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.models.processing.WordLevelTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The embedded default model: a small InstructBLIP-FlanT5 that the project itself pre-trains on
 * its synthetic shapes data, so the quickstart, the sweep and the JShell walk-through run with no
 * download. Its tokenizers are real Hugging Face {@code tokenizer.json} files over the synthetic
 * vocabulary ({@link WordLevelTokenizer}).
 *
 * <p>Pre-trained on the base task's colour questions, it sees the picture but has
 * never seen the shifted task's answer words (cherry, leaf, sea, ...): zero-shot it is near chance
 * there, which is what makes a fine-tuning demonstration honest.
 */
public final class DefaultModel {
    /** The model's name (its folder name and {@code base_model_name_or_path} of adapters trained on it). */
    public static final String NAME = "mmpeft-tiny-instructblip-flan-t5";

    /**
     * The template the default model is trained with: the papers' ScienceQA prompt, and the option
     * text itself as the target (a model this small learns "red" from pixels quickly, but not which
     * letter the options gave it).
     */
    public static final PromptTemplate TEMPLATE = PromptTemplates.scienceQaAnswerText();

    /**
     * Standard deviation of the random initialisation. Larger than transformers' 0.02: a model this
     * small, initialised that close to zero, settles on the answer prior and never looks at the
     * image (measured: chance accuracy after 15 epochs at 0.02, 100% at 0.1).
     */
    static final float INIT_STD = 0.1f;

    private static final Pattern WORD = Pattern.compile("\\w+|[^\\w\\s]+");

    private DefaultModel() {}

    /** How the default model is built; {@link #standard()} is the committed one. */
    public record Recipe(
            long seed,
            List<QuestionFamily> families,
            int trainExamples,
            int valExamples,
            int testExamples,
            int imageSize,
            int epochs,
            int batchSize,
            double learningRate,
            int patience) {
        /** The recipe of the committed checkpoint. */
        public static Recipe standard() {
            return new Recipe(7, List.of(QuestionFamily.COLOR), 600, 100, 200, 56, 12, 16, 3e-3, 4);
        }

        /** The same recipe with fewer examples and epochs, for tests of the build itself. */
        public Recipe quick(int train, int epochs) {
            return new Recipe(seed, families, train, Math.min(valExamples, 32), Math.min(testExamples, 32), imageSize,
                    epochs, batchSize, learningRate, patience);
        }

        /** The recipe on other question families. */
        public Recipe withFamilies(List<QuestionFamily> newFamilies) {
            return new Recipe(seed, List.copyOf(newFamilies), trainExamples, valExamples, testExamples, imageSize, epochs,
                    batchSize, learningRate, patience);
        }

        /** The recipe with another peak learning rate. */
        public Recipe withLearningRate(double lr) {
            return new Recipe(seed, families, trainExamples, valExamples, testExamples, imageSize, epochs, batchSize, lr,
                    patience);
        }

        /** The recipe with another early-stopping patience (epochs without improvement). */
        public Recipe withPatience(int newPatience) {
            return new Recipe(seed, families, trainExamples, valExamples, testExamples, imageSize, epochs, batchSize,
                    learningRate, newPatience);
        }
    }

    /**
     * The architecture: vision 48 wide x 2 layers on 56 px images in 14 px patches, Q-Former 48
     * wide x 2 layers (both with cross-attention) and 8 queries, a Flan-T5-style LLM (gated GELU,
     * untied head, no dropout) 48 wide with 2 + 2 layers.
     */
    public static InstructBlipConfig config(int lmVocab, int qformerVocab, int imageSize) {
        int d = 48;
        return InstructBlipConfig.builder()
                .visionConfig(VisionConfig.builder().hiddenSize(d).intermediateSize(4 * d).numHiddenLayers(2)
                        .numAttentionHeads(4).imageSize(imageSize).patchSize(14).build())
                .qformerConfig(QFormerConfig.builder().vocabSize(qformerVocab).hiddenSize(d).numHiddenLayers(2)
                        .numAttentionHeads(4).intermediateSize(4 * d).maxPositionEmbeddings(256)
                        .crossAttentionFrequency(2).encoderHiddenSize(d).build())
                .numQueryTokens(8)
                .textConfig(T5Config.builder().vocabSize(lmVocab).dModel(d).dKv(12).numHeads(4).dFf(4 * d)
                        .numLayers(2).numDecoderLayers(2).relativeAttentionNumBuckets(16)
                        .relativeAttentionMaxDistance(64).feedForwardProj("gated-gelu").tieWordEmbeddings(false)
                        .dropoutRate(0.0).build())
                .build();
    }

    /** The class-path folder the committed checkpoint is packaged in. */
    static final String RESOURCE_DIR = "/dev/mmpeft/samples/default-model/";

    /** The file listing every packaged file with its SHA-256 (written by {@link #build}). */
    static final String MANIFEST = "MANIFEST.sha256";

    /**
     * The embedded default model as a Hugging Face directory. It is packaged with the samples; on
     * first use it is copied (and checked against its manifest) into the cache folder
     * ({@code -Dmmpeft.cache}, {@code $MMPEFT_CACHE}, or {@code ~/.cache/mmpeft}), where later runs find it.
     */
    public static Path directory() {
        String manifest;
        try (InputStream in = DefaultModel.class.getResourceAsStream(RESOURCE_DIR + MANIFEST)) {
            if (in == null) {
                throw new MmpeftException("the embedded default model is missing from the class path ("
                        + RESOURCE_DIR + MANIFEST + "); rebuild it with ./mmpeft default-model --output DIR and pass --model DIR");
            }
            manifest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path dir = cacheRoot().resolve(NAME + "-" + Hashing.sha256().hashString(manifest, StandardCharsets.UTF_8).toString().substring(0, 12));
        if (Files.isRegularFile(dir.resolve(MANIFEST))) {
            return dir;
        }
        try {
            AtomicFiles.writeDirectory(dir, tmp -> {
                for (String line : manifest.split("\n")) {
                    if (line.isBlank()) {
                        continue;
                    }
                    String sha = line.substring(0, 64);
                    String name = line.substring(66);
                    Path target = tmp.resolve(name);
                    Files.createDirectories(target.getParent());
                    try (InputStream in = DefaultModel.class.getResourceAsStream(RESOURCE_DIR + name)) {
                        if (in == null) {
                            throw new MmpeftException("the embedded default model lacks " + name + " listed in its manifest");
                        }
                        Files.copy(in, target);
                    }
                    String actual = com.google.common.io.Files.asByteSource(target.toFile()).hash(Hashing.sha256()).toString();
                    if (!actual.equals(sha)) {
                        throw new MmpeftException("the embedded default model's " + name + " is corrupt: sha256 " + actual
                                + ", manifest says " + sha);
                    }
                }
                Files.writeString(tmp.resolve(MANIFEST), manifest);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the default model into " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /** Writes the packaged model (as {@link #directory()} unpacks it) to {@code out}, replacing it atomically. */
    public static void copyPackaged(Path out) throws IOException {
        Path packaged = directory();
        AtomicFiles.deleteRecursively(out);
        AtomicFiles.writeDirectory(out, tmp -> copyTree(packaged, tmp));
    }

    /** Where unpacked models are cached. */
    static Path cacheRoot() {
        String configured = System.getProperty("mmpeft.cache", System.getenv("MMPEFT_CACHE"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "mmpeft");
    }

    /** Writes {@link #MANIFEST}: every file of {@code dir} with its SHA-256, sorted by path. */
    static void writeManifest(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile).sorted()::iterator) {
                String name = dir.relativize(p).toString().replace('\\', '/');
                if (name.equals(MANIFEST)) {
                    continue;
                }
                sb.append(com.google.common.io.Files.asByteSource(p.toFile()).hash(Hashing.sha256())).append("  ").append(name).append('\n');
            }
        }
        AtomicFiles.writeString(dir.resolve(MANIFEST), sb.toString());
    }

    /** What building the model printed and measured. */
    public record BuildReport(TrainingResult training, EvaluationResult heldOut, int vocabulary, long parameters) {}

    /**
     * Builds the default model into {@code out} (replaced atomically): tokenizers, random
     * initialisation, pre-training on the base task with validation and early stopping, held-out
     * evaluation, and a model card ({@code README.md}) with the numbers.
     */
    public static BuildReport build(Path out, Recipe recipe, PrintStream console) throws IOException {
        Path work = Files.createTempDirectory("mmpeft-default-model-");
        try {
            SyntheticDataset data = SyntheticDataset.builder().seed(recipe.seed()).variant(Variant.BASE)
                    .families(recipe.families()).train(recipe.trainExamples()).val(recipe.valExamples())
                    .test(recipe.testExamples()).imageSize(recipe.imageSize()).build();
            Path dataDir = data.writeScienceQa(work.resolve("data"));
            PromptTemplate template = TEMPLATE;
            List<MultimodalExample> val = ScienceQa.reader().root(dataDir).split("val").readAll();
            List<MultimodalExample> test = ScienceQa.reader().root(dataDir).split("test").readAll();
            List<MultimodalExample> trainExamples = ScienceQa.reader().root(dataDir).split("train").readAll();
            List<Prompt> train = template.renderAll(trainExamples);

            Path modelDir = work.resolve("model");
            List<String> words = vocabulary(work.resolve("vocabulary"), recipe.imageSize());
            int lmVocab = WordLevelTokenizer.write(modelDir, words, WordLevelTokenizer.Family.T5, false);
            int qVocab = WordLevelTokenizer.write(modelDir.resolve("qformer_tokenizer"), words, WordLevelTokenizer.Family.BERT, false);
            InstructBlipConfig config = config(lmVocab, qVocab, recipe.imageSize());
            try (InstructBlip random = InstructBlip.random(config, recipe.seed(), INIT_STD)) {
                random.save(modelDir);
            }
            TrainingResult training;
            EvaluationResult heldOut;
            long parameters;
            try (InstructBlip model = InstructBlip.load(modelDir);
                    InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, model.config())) {
                parameters = model.parameterCount();
                WholeModel trainable = new WholeModel(model, processor);
                Validator<Prompt> validator = Validator.of(val, Evaluators.multipleChoice(),
                        examples -> Predictor.of(model, processor).predict(template.renderAll(examples)));
                console.printf(Locale.ROOT, "pre-training %s (%,d parameters) on %d base-task examples (%s)%n", NAME,
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
                heldOut = Evaluators.scienceQa().evaluate(test,
                        Predictor.of(model, processor).predict(template.renderAll(test)));
                console.printf(Locale.ROOT, "held-out accuracy on the base task: %.2f%% (%d examples)%n", heldOut.headline(),
                        test.size());
                model.save(modelDir);
                AtomicFiles.writeString(modelDir.resolve("README.md"), modelCard(recipe, words.size(), parameters, training, heldOut));
                // how it was trained, so evaluate/train/generate render prompts the same way by default
                TaskCard.of(TaskData.of("scienceqa", dataDir).withTemplate(template), trainExamples).write(modelDir);
                writeManifest(modelDir);
            }
            AtomicFiles.deleteRecursively(out);
            AtomicFiles.writeDirectory(out, tmp -> copyTree(modelDir, tmp));
            return new BuildReport(training, heldOut, words.size(), parameters);
        } finally {
            AtomicFiles.deleteRecursively(work);
        }
    }

    /**
     * Every word the synthetic tasks use, in a fixed order: all question families (base and
     * shifted) rendered by the ScienceQA and IconQA templates, prompts and option targets.
     */
    static List<String> vocabulary(Path work, int imageSize) throws IOException {
        TreeSet<String> words = new TreeSet<>();
        List<QuestionFamily> all = List.of(QuestionFamily.values());
        SyntheticDataset data = SyntheticDataset.builder().seed(0).families(all).train(12 * all.size()).val(0).test(0)
                .imageSize(Math.max(16, Math.min(imageSize, 32))).choices(6).build();
        Path sqa = data.writeScienceQa(work.resolve("scienceqa"));
        Path icon = data.writeIconQa(work.resolve("iconqa"));
        List<Prompt> prompts = new ArrayList<>(PromptTemplates.scienceQa().renderAll(ScienceQa.reader().root(sqa).split("train").readAll()));
        prompts.addAll(PromptTemplates.iconQa().renderAll(dev.mmpeft.datasets.IconQa.reader().root(icon).split("train")
                .subtasks("choose_txt").readAll()));
        for (Prompt p : prompts) {
            List<String> texts = new ArrayList<>(p.candidates());
            texts.add(p.instruction());
            texts.add(p.input());
            p.target().ifPresent(texts::add);
            for (String t : texts) {
                Matcher m = WORD.matcher(t.toLowerCase(Locale.ROOT));
                while (m.find()) {
                    words.add(m.group());
                }
            }
        }
        return List.copyOf(words);
    }

    private static String modelCard(Recipe recipe, int words, long parameters, TrainingResult training, EvaluationResult heldOut) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(NAME).append("\n\n");
        sb.append("A small InstructBLIP-FlanT5 (Hugging Face layout) that mmpeft pre-trains on its own synthetic shapes\n");
        sb.append("data, so that the quickstart and the sweep run without a download. Rebuild it with\n");
        sb.append("`./mmpeft default-model --output DIR`.\n\n");
        sb.append(String.format(Locale.ROOT, "- parameters: %,d; vocabulary: %d words (word-level tokenizers)%n", parameters, words));
        sb.append(String.format(Locale.ROOT, "- pre-training: base task %s, %d examples, %d px images, seed %d, AdamW lr %s,"
                + " batch %d, %d epochs max (%d run, %d steps, %s)%n", recipe.families(), recipe.trainExamples(),
                recipe.imageSize(), recipe.seed(), recipe.learningRate(), recipe.batchSize(), recipe.epochs(),
                training.epochs(), training.steps(), training.stopReason()));
        sb.append(String.format(Locale.ROOT, "- held-out accuracy on the base task: %.2f%%%n", heldOut.headline()));
        sb.append("- never saw the shifted task (\"Which thing has the same color as the shape?\"), whose answer words\n");
        sb.append("  are new to it: fine-tuning demonstrations start from near chance there.\n");
        return sb.toString();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
