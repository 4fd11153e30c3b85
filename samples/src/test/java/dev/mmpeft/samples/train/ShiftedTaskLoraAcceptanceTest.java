package dev.mmpeft.samples.train;


import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.core.config.QFormerConfig;
import dev.mmpeft.core.config.T5Config;
import dev.mmpeft.core.config.VisionConfig;
import dev.mmpeft.core.train.NonFinitePolicy;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.TrainingResult;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.schedule.Schedules;
import dev.mmpeft.datasets.ScienceQa;
import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;
import dev.mmpeft.datasets.synthetic.QuestionFamily;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.models.processing.WordLevelTokenizer;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.samples.quickstart.WholeModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 7's acceptance: a small InstructBLIP-FlanT5, pre-trained by this test on the synthetic base
 * task's colour questions ("what color is the shape?"), is LoRA fine-tuned on the shifted task it never saw ("which thing
 * has the same color as the shape?": cherry, leaf, sea, ...). Held-out multiple-choice accuracy by
 * candidate scoring (LAVIS's method) goes from near chance to at least 90%, on the CPU, through
 * the SDK's Trainer, PEFT and processor.
 */
class ShiftedTaskLoraAcceptanceTest {
    private static final Pattern WORD = Pattern.compile("\\w+|[^\\w\\s]+");

    /** Multiple choice scored on the option text itself (LAVIS's candidate scoring of the answers). */
    private static final PromptTemplate TEMPLATE = PromptTemplates.scienceQa().withTarget("{answer_text}");

    @TempDir
    Path tmp;

    private static List<Prompt> prompts(SyntheticDataset data, Path dir, String split) {
        List<MultimodalExample> examples = ScienceQa.reader().root(dir).split(split).readAll();
        assertEquals(data.size(split), examples.size());
        return TEMPLATE.renderAll(examples);
    }

    private static void words(List<Prompt> prompts, TreeSet<String> out) {
        for (Prompt p : prompts) {
            List<String> texts = new ArrayList<>(p.candidates());
            texts.add(p.instruction());
            texts.add(p.input());
            for (String t : texts) {
                Matcher m = WORD.matcher(t.toLowerCase(Locale.ROOT));
                while (m.find()) {
                    out.add(m.group());
                }
            }
        }
    }

    /** Held-out accuracy: each example's options scored by the model's loss, lowest wins. */
    static double accuracy(InstructBlip model, InstructBlipProcessor processor, List<Prompt> prompts) {
        model.setTraining(false);
        int correct = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (Prompt p : prompts) {
                try (NDManager scope = m.newSubManager()) {
                    CandidateScores s = model.scoreCandidates(processor.scoringInputs(List.of(p), scope),
                            processor.candidateIds(p.candidates()));
                    correct += s.best(0) == p.answerIndex().getAsInt() ? 1 : 0;
                }
            }
        }
        return (double) correct / prompts.size();
    }

    /**
     * A small InstructBLIP-FlanT5 with random weights and word-level tokenizers over {@code words}:
     * 28 px images in 7 px patches (16 patches, so a shape's colour is not averaged away), vision,
     * Q-Former (cross-attention on every layer, 8 queries) and T5 32 wide.
     */
    static InstructBlipConfig writeModel(Path dir, List<String> words) throws IOException {
        int lmVocab = WordLevelTokenizer.write(dir, words, WordLevelTokenizer.Family.T5, false);
        int qVocab = WordLevelTokenizer.write(dir.resolve("qformer_tokenizer"), words, WordLevelTokenizer.Family.BERT, false);
        InstructBlipConfig config = InstructBlipConfig.builder()
                .visionConfig(VisionConfig.builder().hiddenSize(32).intermediateSize(64).numHiddenLayers(2)
                        .numAttentionHeads(4).imageSize(28).patchSize(7).build())
                .qformerConfig(QFormerConfig.builder().vocabSize(qVocab).hiddenSize(32).numHiddenLayers(2)
                        .numAttentionHeads(4).intermediateSize(64).maxPositionEmbeddings(128)
                        .crossAttentionFrequency(1).encoderHiddenSize(32).build())
                .numQueryTokens(8)
                .textConfig(T5Config.builder().vocabSize(lmVocab).dModel(32).dKv(8).numHeads(4).dFf(64)
                        .numLayers(2).numDecoderLayers(2).relativeAttentionNumBuckets(8).relativeAttentionMaxDistance(32)
                        .feedForwardProj("gated-gelu").build())
                .build();
        try (InstructBlip model = InstructBlip.random(config, 5, 0.1f)) {
            model.save(dir);
        }
        return config;
    }

    @Test
    void loraLearnsTheShiftedTaskFromNearChanceToNinetyPercent() throws Exception {
        SyntheticDataset base = SyntheticDataset.builder().seed(11).variant(Variant.BASE).families(List.of(QuestionFamily.COLOR))
                .train(480).val(16).test(64).imageSize(56).choices(4).build();
        SyntheticDataset shifted = SyntheticDataset.builder().seed(12).variant(Variant.SHIFTED)
                .train(240).val(16).test(100).imageSize(56).choices(4).build();
        Path baseDir = base.writeScienceQa(tmp.resolve("base"));
        Path shiftedDir = shifted.writeScienceQa(tmp.resolve("shifted"));
        List<Prompt> baseTrain = prompts(base, baseDir, "train");
        List<Prompt> shiftTrain = prompts(shifted, shiftedDir, "train");
        List<Prompt> shiftTest = prompts(shifted, shiftedDir, "test");
        List<Prompt> baseTest = prompts(base, baseDir, "test");

        TreeSet<String> vocabulary = new TreeSet<>();
        words(baseTrain, vocabulary);
        words(shiftTrain, vocabulary);
        words(shiftTest, vocabulary);
        words(baseTest, vocabulary);
        Path modelDir = tmp.resolve("tiny-instructblip");
        writeModel(modelDir, List.copyOf(vocabulary));
        assertTrue(Files.isRegularFile(modelDir.resolve("model.safetensors")));

        try (InstructBlip model = InstructBlip.load(modelDir);
                InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, model.config())) {
            // 1. pre-train the whole tiny model on the base task
            TrainingResult pre = Trainer.builder().listeners("log")
                    .optimizer(AdamW.lr(3e-3).weightDecay(0.05)).schedule(Schedules.linearDecay().warmupSteps(30))
                    .epochs(15).batchSize(16).clipGradNorm(1.0).seed(1).onNonFinite(NonFinitePolicy.SKIP_BATCH)
                    .build().fit(new WholeModel(model, processor), baseTrain);
            double baseAccuracy = accuracy(model, processor, baseTest);
            System.out.printf(Locale.ROOT, "pre-training: loss %.3f -> %.3f, %d skipped steps, base-task held-out accuracy %.2f%n",
                    pre.losses().get(0), pre.meanLossOfLast(30), pre.skippedSteps(), baseAccuracy);
            assertTrue(pre.meanLossOfLast(30) < 0.75 * pre.losses().get(0), "pre-training loss " + pre.losses().get(0)
                    + " -> " + pre.meanLossOfLast(30));
            model.namedParameters().values().forEach(p -> p.getArray().setRequiresGradient(false));

            // 2. before fine-tuning: the new words are at chance
            double before = accuracy(model, processor, shiftTest);

            // 3. LoRA on the Q-Former cross-attention and the whole LLM, through the SDK's trainer
            PeftModel<InstructBlip> peft = Peft.lora().rank(4).alpha(8)
                    .target(Component.QFORMER_CROSS_ATTN, Component.LLM_ALL)
                    .on(model, processor, modelDir.toString());
            TrainingResult r = Trainer.builder().listeners("log")
                    .optimizer(AdamW.lr(5e-3).weightDecay(0.05)).schedule(Schedules.linearDecayPerEpoch())
                    .epochs(15).batchSize(16).seed(2).outputDir(tmp.resolve("run")).saveLast(true)
                    .build().fit(peft, shiftTrain);
            double after = accuracy(peft.model(), processor, shiftTest);
            System.out.printf(Locale.ROOT, "shifted-task held-out accuracy: %.2f before LoRA, %.2f after (%d steps, %.1f s)%n",
                    before, after, r.steps(), r.seconds());
            assertTrue(before <= 0.45, "before fine-tuning the shifted task should be near chance (0.25), got " + before);
            assertTrue(after >= 0.90, "after LoRA fine-tuning accuracy should be >= 0.90, got " + after);
            // the adapter was saved in the PEFT layout, and provenance beside it
            assertTrue(Files.isRegularFile(tmp.resolve("run/last/adapter_model.safetensors")));
            assertTrue(Files.isRegularFile(tmp.resolve("run/provenance.json")));
        }
    }
}
