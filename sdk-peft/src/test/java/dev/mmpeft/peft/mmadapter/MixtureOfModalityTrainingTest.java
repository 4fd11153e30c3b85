package dev.mmpeft.peft.mmadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.schedule.Schedules;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.lavin.Lavin;
import dev.mmpeft.models.lavin.LavinFixture;
import dev.mmpeft.models.lavin.LavinProcessor;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixture-of-modality training end to end on a tiny random LaVIN: MM-Adapter fine-tuning on a
 * synthetic task whose batches mix text-only questions (the answer is in the question) and image
 * questions (the answer is the picture's colour) raises the candidate-scoring accuracy of both
 * kinds. Why a test: the router, the modality token and the skipped image encoder must let one
 * set of adapters learn both kinds from the same mixed batches.
 */
class MixtureOfModalityTrainingTest {
    @TempDir static Path dir;

    private static Prompt prompt(String id, List<Path> images, String input, String target, List<String> candidates) {
        return Prompt.builder().exampleId(id).images(images).instruction(input).input(input).target(target)
                .candidates(candidates).answerIndex(candidates.indexOf(target)).build();
    }

    /** Text-only rows (sky is blue, grass is green) and image rows (red or blue pictures), interleaved. */
    private static List<Prompt> task(Path red, Path blue) {
        List<Prompt> out = new ArrayList<>();
        List<String> textOptions = List.of("green", "blue");
        List<String> imageOptions = List.of("red", "blue");
        for (int i = 0; i < 4; i++) {
            out.add(prompt("txt-sky-" + i, List.of(), "Question: what color is the sky ? Response:", "blue", textOptions));
            out.add(prompt("img-red-" + i, List.of(red), "Question: what color is the image ? Response:", "red", imageOptions));
            out.add(prompt("txt-grass-" + i, List.of(), "Question: what color is the grass ? Response:", "green", textOptions));
            out.add(prompt("img-blue-" + i, List.of(blue), "Question: what color is the image ? Response:", "blue", imageOptions));
        }
        return out;
    }

    /** Accuracy (percent) of candidate scoring on the text-only and on the image rows. */
    private static double[] accuracy(Lavin model, LavinProcessor processor, List<Prompt> prompts) {
        int[] right = new int[2];
        int[] all = new int[2];
        try (NDManager m = NDManager.newBaseManager()) {
            for (Prompt p : prompts) {
                CandidateScores s = model.scoreCandidates(processor.scoringInputs(List.of(p), m), processor.candidateIds(p.candidates()));
                int kind = p.images().isEmpty() ? 0 : 1;
                all[kind]++;
                if (s.best(0) == p.answerIndex().getAsInt()) {
                    right[kind]++;
                }
            }
        }
        return new double[] {100.0 * right[0] / all[0], 100.0 * right[1] / all[1]};
    }

    @Test
    void mixedBatchesRaiseTextOnlyAndImageAccuracy() throws Exception {
        new LavinFixture(dir, 11);
        Path red = LavinFixture.image(dir.resolve("red-task.png"), Color.RED, Color.WHITE);
        Path blue = LavinFixture.image(dir.resolve("blue-task.png"), Color.BLUE, Color.WHITE);
        List<Prompt> task = task(red, blue);
        try (Lavin base = Lavin.load(dir);
                LavinProcessor processor = LavinProcessor.load(dir, base.config());
                PeftModel<Lavin> peft = Peft.mmAdapter().dropout(0).seed(5).on(Adaptables.lavin(base, processor, "tiny-lavin"))) {
            double[] before = accuracy(peft.model(), processor, task);
            // 1e-2: at 3e-2 the text-only rows stayed at 50% with seed 1 on an AVX-512 Intel CPU
            // (other BLAS rounding, another trajectory); at 1e-2 seeds 1-3 all reach 100% in 40 and
            // 80 epochs there, a margin 3e-2 did not have
            Trainer.builder()
                    .optimizer(AdamW.lr(1e-2).weightDecay(0))
                    .schedule(Schedules.constant())
                    .epochs(40).batchSize(8).shuffle(true).seed(1)
                    .listeners()
                    .build()
                    .fit(peft, task);
            double[] after = accuracy(peft.model(), processor, task);
            System.out.printf(Locale.ROOT, "MMT on tiny LaVIN: text-only %.1f%% -> %.1f%%, image %.1f%% -> %.1f%%%n",
                    before[0], after[0], before[1], after[1]);
            assertTrue(after[0] > before[0], "text-only accuracy " + before[0] + " -> " + after[0]);
            assertTrue(after[1] > before[1], "image accuracy " + before[1] + " -> " + after[1]);
            assertEquals(100.0, after[0], 0.0, "text-only");
            assertEquals(100.0, after[1], 0.0, "image");
        }
    }
}
