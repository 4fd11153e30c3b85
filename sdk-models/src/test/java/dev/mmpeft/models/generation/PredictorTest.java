package dev.mmpeft.models.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.testing.TinyInstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.models.processing.RgbImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one way from a model and prompts to predictions, on a tiny random InstructBLIP-FlanT5:
 * candidate scoring equals the model's own lowest-loss candidate, generation equals the decoded
 * output of {@code generate}, and AUTO picks by whether a prompt has options.
 */
class PredictorTest {
    @Test
    void scoresOptionsAndGeneratesOpenAnswersLikeTheModelItself(@TempDir Path tmp) throws Exception {
        Path dir = TinyInstructBlip.write(tmp.resolve("model"), true, false, 7);
        Path img = tmp.resolve("img.png");
        int[] rgb = new int[40 * 30 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (int) (i * 2654435761L % 256);
        }
        ImageIO.write(RgbImage.of(40, 30, rgb).toBufferedImage(), "png", img.toFile());
        Prompt choice = Prompt.builder().exampleId("mc").addImages(img).instruction("which color ?")
                .input("which color ? options : red , blue , green").target("blue")
                .addCandidates("red", "blue", "green").build();
        Prompt open = Prompt.builder().exampleId("open").addImages(img).instruction("what is in the image ?")
                .input("what is in the image ?").build();
        try (InstructBlip model = InstructBlip.load(dir);
                InstructBlipProcessor processor = InstructBlipProcessor.load(dir, model.config());
                NDManager m = NDManager.newBaseManager()) {
            int best = model.scoreCandidates(processor.scoringInputs(List.of(choice), m),
                    processor.candidateIds(choice.candidates())).best(0);
            GenerationConfig greedy5 = GenerationConfig.greedy(5);
            String text = processor.decode(model.generate(processor.generationInputs(List.of(open), m), greedy5).tokens(0));

            Map<String, Prediction> auto = Predictor.of(model, processor).generation(greedy5).predict(List.of(choice, open));
            assertEquals(List.of("mc", "open"), List.copyOf(auto.keySet()), "the prompts' order");
            assertEquals(best, auto.get("mc").choiceIndex().getAsInt());
            assertEquals(text, auto.get("open").text().orElseThrow());
            assertTrue(auto.get("open").choiceIndex().isEmpty());

            Map<String, Prediction> generated = Predictor.of(model, processor).method(Predictor.Method.GENERATION)
                    .generation(greedy5).batchSize(1).predict(List.of(choice, open));
            assertTrue(generated.get("mc").text().isPresent() && generated.get("mc").choiceIndex().isEmpty());
            assertEquals(text, generated.get("open").text().orElseThrow());

            MmpeftException e = assertThrows(MmpeftException.class,
                    () -> Predictor.of(model, processor).method(Predictor.Method.CANDIDATE_SCORING).predict(List.of(open)));
            assertTrue(e.getMessage().contains("example open has no answer options"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Predictor.of(model, processor).batchSize(0));
        }
    }
}
