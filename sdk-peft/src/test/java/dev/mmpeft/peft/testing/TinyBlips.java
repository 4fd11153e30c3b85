package dev.mmpeft.peft.testing;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.TrainingResult;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.core.train.schedule.Schedules;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.testing.TinyInstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.PeftModel;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * The tiny random InstructBLIP-FlanT5 and InstructBLIP-LLaMA models (Hugging Face layout, written
 * once per test JVM), with a few prompts, for the tests of every method: logits, losses and a short
 * fine-tune through the SDK's trainer.
 */
public final class TinyBlips {
    /** One backbone: the directory, the loaded model and its processor. */
    public record Tiny(Path dir, InstructBlip model, InstructBlipProcessor processor) {}

    private static Tiny t5;
    private static Tiny llama;
    private static List<Prompt> prompts;
    private static Path root;

    private TinyBlips() {}

    /** The tiny InstructBLIP-FlanT5 (shared: never close it). */
    public static synchronized Tiny t5() {
        if (t5 == null) {
            t5 = write("t5", true, 17);
        }
        return t5;
    }

    /** The tiny InstructBLIP with a LLaMA language model (grouped-query attention; shared). */
    public static synchronized Tiny llama() {
        if (llama == null) {
            llama = write("llama", false, 23);
        }
        return llama;
    }

    /** Three image-question-answer prompts. */
    public static synchronized List<Prompt> prompts() {
        if (prompts == null) {
            List<Prompt> out = new ArrayList<>();
            String[][] qa = {{"what is in the image ?", "a cat"}, {"which color ?", "red"}, {"what shape is it ?", "a circle"}};
            for (int i = 0; i < qa.length; i++) {
                out.add(Prompt.builder().exampleId("e" + i).addImages(image(i)).instruction(qa[i][0]).input(qa[i][0]).target(qa[i][1]).build());
            }
            prompts = List.copyOf(out);
        }
        return prompts;
    }

    /** The logits of {@code model} on the prompts (training inputs), flattened. */
    public static float[] logits(Tiny tiny, InstructBlip model) {
        try (NDManager scope = NDManager.newBaseManager()) {
            return model.forward(tiny.processor().trainingInputs(prompts(), scope)).logits().toFloatArray();
        }
    }

    /** The evaluation loss of an adapted model on the prompts. */
    public static float loss(PeftModel<InstructBlip> peft) {
        peft.setTraining(false);
        try (NDManager scope = NDManager.newBaseManager()) {
            return peft.loss(prompts(), scope).getFloat();
        }
    }

    /** {@code steps} AdamW steps (lr {@code lr}) of the SDK's trainer on the prompts, batch 3. */
    public static TrainingResult train(PeftModel<InstructBlip> peft, int steps, double lr) {
        List<Prompt> data = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            data.addAll(prompts());
        }
        TrainingResult r = Trainer.builder()
                .optimizer(AdamW.lr(lr).weightDecay(0))
                .schedule(Schedules.constant())
                .maxSteps(steps).batchSize(prompts().size()).shuffle(false).seed(1)
                .listeners()
                .build()
                .fit(peft, data);
        peft.setTraining(false);
        return r;
    }

    /** The largest absolute difference. */
    public static float maxDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static Path root() throws IOException {
        if (root == null) {
            root = Files.createTempDirectory("tinyblips");
            root.toFile().deleteOnExit();
        }
        return root;
    }

    private static Tiny write(String name, boolean isT5, long seed) {
        try {
            Path dir = TinyInstructBlip.write(root().resolve(name), isT5, false, seed);
            InstructBlip model = InstructBlip.load(dir);
            return new Tiny(dir, model, InstructBlipProcessor.load(dir, model.config()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path image(int seed) {
        try {
            SplittableRandom r = new SplittableRandom(seed);
            BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    img.setRGB(x, y, r.nextInt(0x1000000));
                }
            }
            Path p = root().resolve("img" + seed + ".png");
            ImageIO.write(img, "png", p.toFile());
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
