package dev.mmpeft.samples.quickstart;

import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.QFormerConfig;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.core.config.VisionConfig;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.train.TrainingResult;
import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;
import dev.mmpeft.datasets.synthetic.QuestionFamily;
import dev.mmpeft.models.processing.WordLevelTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The embedded default model: a small InstructBLIP-FlanT5 that the project itself pre-trains on
 * its synthetic shapes data, so the quickstart, the sweep and the JShell walk-through run with no
 * download. Its tokenizers are real Hugging Face {@code tokenizer.json} files over the synthetic
 * vocabulary ({@link WordLevelTokenizer}).
 *
 * <p>Pre-trained on the base task's colour questions, it sees the picture but has
 * never seen the shifted task's answer words (cherry, leaf, sea, ...): zero-shot it is near chance
 * there, which is what makes a fine-tuning demonstration honest.
 *
 * <p>It is {@link EmbeddedFamily#INSTRUCTBLIP}; the LLaVA and LaVIN embedded models are built and
 * unpacked by the same code ({@link EmbeddedFamily}).
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

    private DefaultModel() {}

    /**
     * How an embedded model is built; {@link #standard()} is the committed InstructBLIP one,
     * {@link EmbeddedFamily#standardRecipe()} each family's.
     */
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
            int patience,
            double textOnlyFraction) {
        /** The recipe of the committed InstructBLIP checkpoint (no text-only questions). */
        public static Recipe standard() {
            return new Recipe(7, List.of(QuestionFamily.COLOR), 600, 100, 200, 56, 12, 16, 3e-3, 4, 0.0);
        }

        /** The same recipe with fewer examples and epochs, for tests of the build itself. */
        public Recipe quick(int train, int epochs) {
            return new Recipe(seed, families, train, Math.min(valExamples, 32), Math.min(testExamples, 32), imageSize,
                    epochs, batchSize, learningRate, patience, textOnlyFraction);
        }

        /** The recipe on other question families. */
        public Recipe withFamilies(List<QuestionFamily> newFamilies) {
            return new Recipe(seed, List.copyOf(newFamilies), trainExamples, valExamples, testExamples, imageSize, epochs,
                    batchSize, learningRate, patience, textOnlyFraction);
        }

        /** The recipe with another peak learning rate. */
        public Recipe withLearningRate(double lr) {
            return new Recipe(seed, families, trainExamples, valExamples, testExamples, imageSize, epochs, batchSize, lr,
                    patience, textOnlyFraction);
        }

        /** The recipe with another early-stopping patience (epochs without improvement). */
        public Recipe withPatience(int newPatience) {
            return new Recipe(seed, families, trainExamples, valExamples, testExamples, imageSize, epochs, batchSize,
                    learningRate, newPatience, textOnlyFraction);
        }

        /** The recipe with another fraction of text-only questions (their hint states the fact; LaVIN trains on them). */
        public Recipe withTextOnlyFraction(double fraction) {
            return new Recipe(seed, families, trainExamples, valExamples, testExamples, imageSize, epochs, batchSize,
                    learningRate, patience, fraction);
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
    static final String MANIFEST = PackagedModel.MANIFEST;

    /**
     * The embedded default model as a Hugging Face directory. It is packaged with the samples; on
     * first use it is copied (and checked against its manifest) into the cache folder
     * ({@code -Dmmpeft.cache}, {@code $MMPEFT_CACHE}, or {@code ~/.cache/mmpeft}), where later runs
     * find it ({@link EmbeddedFamily#directory()}, which unpacks every family's model).
     */
    public static Path directory() {
        return EmbeddedFamily.INSTRUCTBLIP.directory();
    }

    /** Writes the packaged model (as {@link #directory()} unpacks it) to {@code out}, replacing it atomically. */
    public static void copyPackaged(Path out) throws IOException {
        EmbeddedFamily.INSTRUCTBLIP.copyPackaged(out);
    }

    /** What building a model printed and measured. */
    public record BuildReport(TrainingResult training, EvaluationResult heldOut, int vocabulary, long parameters) {}

    /**
     * Builds the default model into {@code out} (replaced atomically): tokenizers, random
     * initialisation, pre-training on the base task with validation and early stopping, held-out
     * evaluation, and a model card ({@code README.md}) with the numbers
     * ({@link EmbeddedFamily#build}, the recipe every family shares).
     */
    public static BuildReport build(Path out, Recipe recipe, PrintStream console) throws IOException {
        return EmbeddedFamily.INSTRUCTBLIP.build(out, recipe, console);
    }

    /**
     * Every word the synthetic tasks use, in a fixed order: all question families (base and
     * shifted) rendered by the ScienceQA and IconQA templates, prompts and option targets.
     */
    static List<String> vocabulary(Path work, int imageSize) throws IOException {
        return EmbeddedFamily.INSTRUCTBLIP.vocabulary(work, imageSize);
    }
}
