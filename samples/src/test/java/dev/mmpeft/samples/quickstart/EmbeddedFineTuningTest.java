package dev.mmpeft.samples.quickstart;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.TrainingResult;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.schedule.Schedules;
import dev.mmpeft.datasets.ScienceQa;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.models.lavin.Lavin;
import dev.mmpeft.models.lavin.LavinProcessor;
import dev.mmpeft.models.llava.Llava;
import dev.mmpeft.models.llava.LlavaProcessor;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning the embedded LLaVA and LaVIN on the shifted task (COLOR_MATCH: "Which thing has the
 * same color as the shape?", answer words the models never trained on) raises held-out accuracy:
 * MM-Adapters on LaVIN with mixture-of-modality batches (half the questions text-only) for both
 * kinds of question, LoRA on LLaVA. Why: issue 15's acceptance for the embedded defaults, measured
 * with the families' own candidate scoring.
 */
class EmbeddedFineTuningTest {
    @TempDir static Path cache;

    /** The shifted task's splits, rendered with the family's template. */
    private static List<List<Prompt>> shiftedTask(EmbeddedFamily family, Path dir, int train, int test, double textOnly) {
        Path data = SyntheticDataset.builder().seed(2718).variant(Variant.SHIFTED).train(train).val(0).test(test).imageSize(56)
                .textOnlyFraction(textOnly).build().writeScienceQa(dir);
        List<MultimodalExample> trainExamples = ScienceQa.reader().root(data).split("train").readAll();
        List<MultimodalExample> testExamples = ScienceQa.reader().root(data).split("test").readAll();
        return List.of(family.template().renderAll(trainExamples), family.template().renderAll(testExamples));
    }

    @Test
    void mmAdapterMixtureOfModalityTrainingRaisesTextOnlyAndImageAccuracyOnTheEmbeddedLavin(@TempDir Path tmp) throws Exception {
        System.setProperty("mmpeft.cache", cache.toString());
        Path dir = EmbeddedFamily.LAVIN.directory();
        List<List<Prompt>> task = shiftedTask(EmbeddedFamily.LAVIN, tmp.resolve("shifted"), 48, 64, 0.5);
        try (Lavin base = Lavin.load(dir);
                LavinProcessor processor = LavinProcessor.load(dir, base.config());
                PeftModel<Lavin> peft = Peft.mmAdapter().dropout(0).seed(5)
                        .on(Adaptables.lavin(base, processor, EmbeddedFamily.LAVIN.modelName()))) {
            double[] before = EmbeddedFamiliesTest.lavinAccuracy(peft.model(), processor, task.get(1));
            TrainingResult r = Trainer.builder()
                    .optimizer(AdamW.lr(MMT_LR).weightDecay(0))
                    .schedule(Schedules.constant())
                    .epochs(MMT_EPOCHS).batchSize(8).shuffle(true).seed(1)
                    .listeners()
                    .build()
                    .fit(peft, task.get(0));
            double[] after = EmbeddedFamiliesTest.lavinAccuracy(peft.model(), processor, task.get(1));
            System.out.printf(Locale.ROOT, "MMT (MM-Adapter) on the embedded LaVIN, shifted task held out (%d text-only, %d image):"
                    + " text-only %.1f%% -> %.1f%%, image %.1f%% -> %.1f%% (%d steps, %.1f s)%n", (int) before[2], (int) before[3],
                    before[0], after[0], before[1], after[1], r.steps(), r.seconds());
            assertTrue(before[2] >= 16 && before[3] >= 16, "both kinds held out: " + before[2] + " text-only, " + before[3] + " image");
            assertTrue(after[0] >= before[0] + MMT_MIN_GAIN, "text-only accuracy " + before[0] + " -> " + after[0]);
            assertTrue(after[1] >= before[1] + MMT_MIN_GAIN, "image accuracy " + before[1] + " -> " + after[1]);
        }
    }

    /**
     * Measured (48 training, 64 held-out questions, half text-only): text-only 21.9% -> 100.0%,
     * image 21.9% -> 59.4% in 150 steps (15 epochs gave 84.4% and 53.1%).
     */
    static final double MMT_LR = 1e-2;
    static final int MMT_EPOCHS = 25;
    static final double MMT_MIN_GAIN = 20;

    @Test
    void loraOnTheEmbeddedLlavaLearnsTheShiftedTask(@TempDir Path tmp) throws Exception {
        System.setProperty("mmpeft.cache", cache.toString());
        Path dir = EmbeddedFamily.LLAVA.directory();
        List<List<Prompt>> task = shiftedTask(EmbeddedFamily.LLAVA, tmp.resolve("shifted"), 96, 48, 0);
        try (Llava base = Llava.load(dir);
                LlavaProcessor processor = LlavaProcessor.load(dir, base.config());
                PeftModel<Llava> peft = Peft.lora().rank(4).alpha(8).target(Component.LLM_ALL)
                        .on(Adaptables.llava(base, processor, EmbeddedFamily.LLAVA.modelName()))) {
            double before = EmbeddedFamiliesTest.llavaAccuracy(peft.model(), processor, task.get(1));
            TrainingResult r = Trainer.builder()
                    .optimizer(AdamW.lr(LORA_LR).weightDecay(0.05))
                    .schedule(Schedules.linearDecayPerEpoch())
                    .epochs(LORA_EPOCHS).batchSize(16).shuffle(true).seed(2)
                    .listeners()
                    .build()
                    .fit(peft, task.get(0));
            double after = EmbeddedFamiliesTest.llavaAccuracy(peft.model(), processor, task.get(1));
            System.out.printf(Locale.ROOT, "LoRA on the embedded LLaVA, shifted task held out (%d): %.1f%% -> %.1f%% (%d steps, %.1f s)%n",
                    task.get(1).size(), before, after, r.steps(), r.seconds());
            assertTrue(before <= 45, "the shifted task's words are new to the model: near chance (25%) before, got " + before);
            assertTrue(after >= before + LORA_MIN_GAIN, "shifted-task accuracy " + before + " -> " + after);
        }
    }

    /** Measured (96 training, 48 held-out questions): 25.0% -> 100.0% in 60 steps. */
    static final double LORA_LR = 5e-3;
    static final int LORA_EPOCHS = 10;
    static final double LORA_MIN_GAIN = 30;
}
