package dev.mmpeft.models.lavin;

import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.config.LavinConfig;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** A tiny random LaVIN directory with a word-level tokenizer, two images and mixed prompts. */
public final class LavinFixture {
    public static final List<String> WORDS = List.of("image", ":", "n", "/", "a", "question", "context", "options", "(", ")", "response",
            "the", "answer", "is", ".", "what", "color", "red", "blue", "green", "b", "c", "sky", "grass");

    public final Path dir;
    public final LavinConfig config;
    public final Path red;
    public final Path blue;

    public LavinFixture(Path dir, long seed) throws Exception {
        this.dir = dir;
        this.config = LavinPresets.writeTiny(dir, WORDS, seed, 0.5f);
        this.red = image(dir.resolve("red.png"), Color.RED, Color.WHITE);
        this.blue = image(dir.resolve("blue.png"), Color.BLUE, Color.YELLOW);
    }

    public static Path image(Path file, Color fill, Color spot) throws Exception {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(fill);
        g.fillRect(0, 0, 28, 28);
        g.setColor(spot);
        g.fillOval(4, 6, 12, 9);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    /** An image prompt and a text-only one (with targets and candidates), in that order, plus a longer text-only one. */
    public List<Prompt> prompts() {
        return List.of(
                prompt("img", List.of(red), "Question: what color is the image ? Options: (a) red (b) blue Response:", "the answer is a ."),
                prompt("txt", List.of(), "Question: what color is the sky ? Context: blue Options: (a) green (b) blue Response:",
                        "the answer is b ."),
                prompt("img2", List.of(blue), "Question: what color ? Response:", "blue"),
                prompt("txt2", List.of(), "Question: what color is the grass ? Context: the grass is green . Options: (a) green"
                        + " (b) red (c) blue Response:", "the answer is a ."));
    }

    public static Prompt prompt(String id, List<Path> images, String input, String target) {
        return Prompt.builder().exampleId(id).images(images).instruction(input).input(input).target(target)
                .candidates(List.of("the answer is a .", "the answer is b .")).build();
    }
}
