package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.models.processing.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class GenerateCommandTest {
    static final List<String> WORDS = List.of("what", "is", "in", "the", "image", "?", "a", "cat", "dog", "red", "blue", "green");
    @TempDir static Path tmp;
    static Path image;

    @BeforeAll
    static void writeFixtures() throws Exception {
        InstructBlipPresets.writeTiny(tmp.resolve("t5"), WORDS, true, false, 4, 0.5f);
        InstructBlipPresets.writeTiny(tmp.resolve("llama"), WORDS, false, true, 4, 0.5f);
        int[] rgb = new int[50 * 40 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (i * 53) % 256;
        }
        image = tmp.resolve("image.png");
        ImageIO.write(RgbImage.of(50, 40, rgb).toBufferedImage(), "png", image.toFile());
    }

    @ParameterizedTest
    @ValueSource(strings = {"t5", "llama"})
    void printsWhatTheApiGenerates(String family) throws Exception {
        Path model = tmp.resolve(family);
        CliRunner r = CliRunner.run("generate", "--model", model.toString(), "--image", image.toString(),
                "--prompt", "what is in the image ?", "--num-beams", "2", "--max-new-tokens", "4", "--show-tokens");
        assertEquals(0, r.code(), r.toString());
        Matcher m = Pattern.compile("tokens: \\[([\\d, ]*)]").matcher(r.out());
        assertTrue(m.find(), r.out());
        long[] printed = Arrays.stream(m.group(1).split(",\\s*")).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
        try (InstructBlip blip = InstructBlip.load(model);
                InstructBlipProcessor p = InstructBlipProcessor.load(model, blip.config());
                NDManager scope = NDManager.newBaseManager()) {
            GenerationResult api = blip.generate(
                    p.generationInputs(RgbImage.read(image), "what is in the image ?", "what is in the image ?", scope),
                    GenerationConfig.beams(2, 4));
            assertArrayEquals(api.tokens(0), printed);
            assertEquals(p.decode(api.tokens(0)), r.out().lines().findFirst().orElseThrow());
        }
    }

    @Test
    void badInputGivesOneLineAndExitOne() throws Exception {
        Path model = tmp.resolve("t5");
        CliRunner r = CliRunner.run("generate", "--model", model.toString(), "--image", tmp.resolve("missing.png").toString(), "--prompt", "a");
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("missing.png"), r.err());

        r = CliRunner.run("generate", "--model", tmp.resolve("nope").toString(), "--image", image.toString(), "--prompt", "a");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("nope"), r.err());

        Path noTokenizer = tmp.resolve("no-tokenizer");
        Files.createDirectories(noTokenizer);
        Files.copy(model.resolve("config.json"), noTokenizer.resolve("config.json"));
        Files.copy(model.resolve("model.safetensors"), noTokenizer.resolve("model.safetensors"));
        r = CliRunner.run("generate", "--model", noTokenizer.toString(), "--image", image.toString(), "--prompt", "a");
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("tokenizer.json"), r.err());

        r = CliRunner.run("generate", "--model", model.toString(), "--image", image.toString(), "--prompt", "a", "--num-beams", "0");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("num_beams"), r.err());
    }
}
