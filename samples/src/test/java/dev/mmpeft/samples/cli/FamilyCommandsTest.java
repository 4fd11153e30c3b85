package dev.mmpeft.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.safetensors.Checkpoint;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.models.family.ModelInputs;
import dev.mmpeft.models.family.ModelOutputs;
import dev.mmpeft.models.family.Models;
import dev.mmpeft.models.family.MultimodalModel;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.lavin.Lavin;
import dev.mmpeft.models.lavin.LavinInputs;
import dev.mmpeft.models.lavin.LavinPresets;
import dev.mmpeft.models.lavin.LavinProcessor;
import dev.mmpeft.models.llava.Llava;
import dev.mmpeft.models.llava.LlavaPresets;
import dev.mmpeft.models.llava.LlavaProcessor;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code forward} and {@code generate} on the LLaVA and LaVIN families through the family
 * registry: LLaVA's transformers-derived fixtures within 1e-4 on the command line, LaVIN's command
 * outputs equal to the API's, and a config of an unknown family refused naming the file and type.
 */
class FamilyCommandsTest {
    static final List<String> WORDS = List.of("image", ":", "n", "/", "a", "question", "what", "color", "is", "the", "?", "red",
            "blue", "sky", "user", "assistant", "answer", "(", ")", "b", ".");
    @TempDir static Path tmp;
    static Path lavin;
    static Path llava;
    static Path image;

    @BeforeAll
    static void writeModels() throws Exception {
        lavin = tmp.resolve("tiny-lavin");
        LavinPresets.writeTiny(lavin, WORDS, 5, 0.5f);
        llava = tmp.resolve("tiny-llava");
        LlavaPresets.writeTiny(llava, WORDS, 6, 0.5f);
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, 28, 28);
        g.setColor(Color.WHITE);
        g.fillOval(4, 6, 12, 9);
        g.dispose();
        image = tmp.resolve("red.png");
        ImageIO.write(img, "png", image.toFile());
    }

    /** sdk-models' LLaVA fixtures, written by llava_reference.py (derived from transformers' modeling_llava.py). */
    static Path llavaReference(String name) {
        Path p = Path.of("..", "sdk-models", "src", "test", "resources", "llava-reference", name);
        assertTrue(Files.isDirectory(p), "missing test resource " + p.toAbsolutePath());
        return p;
    }

    static double maxAbsDiff(NDArray a, NDArray b) {
        assertEquals(a.getShape(), b.getShape());
        return a.sub(b).abs().max().getFloat();
    }

    @Test
    void llavaForwardMatchesTheTransformersReferenceWithin1e4() throws Exception {
        for (String name : List.of("default-legacy", "default-current-sharded", "full-current-tied")) {
            Path dir = llavaReference(name);
            Path out = tmp.resolve("llava-" + name + ".safetensors");
            CliRunner r = CliRunner.run("forward", "--model", dir.toString(), "--inputs", dir.resolve("inputs.safetensors").toString(),
                    "--output", out.toString());
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().startsWith("llava: logits "), r.out());
            try (NDManager m = NDManager.newBaseManager();
                    Checkpoint expected = Checkpoint.open(dir.resolve("expected.safetensors"));
                    Checkpoint actual = Checkpoint.open(out)) {
                double logits = maxAbsDiff(expected.load("logits", m), actual.load("logits", m));
                double loss = Math.abs(expected.load("loss", m).getFloat() - actual.load("loss", m).getFloat());
                double features = maxAbsDiff(expected.load("image_hidden_states", m), actual.load("image_hidden_states", m));
                System.out.printf("forward CLI %s: logits max |diff| %.2e, loss |diff| %.2e, image features %.2e%n", name, logits, loss, features);
                assertEquals(0.0, logits, 1e-4, name + " logits");
                assertEquals(0.0, loss, 1e-4, name + " loss");
                assertEquals(0.0, features, 1e-4, name + " image_hidden_states");
            }
        }
    }

    /** A text-only row and an image row with labels, as LaVIN's processor makes them. */
    private static Path lavinInputs(NDManager m) throws Exception {
        Lavin model = (Lavin) Models.load(lavin).model();
        List<Prompt> prompts = List.of(
                Prompt.builder().exampleId("img").addImages(image).instruction("").input("what color is the image ?").target("red").build(),
                Prompt.builder().exampleId("txt").instruction("").input("what color is the sky ?").target("blue").build());
        Map<String, NDArray> t = new LinkedHashMap<>();
        try (LavinProcessor processor = LavinProcessor.load(lavin, model.config())) {
            LavinInputs in = processor.trainingInputs(prompts, m);
            t.put("pixel_values", in.pixelValues().orElseThrow());
            t.put("input_ids", in.inputIds());
            t.put("attention_mask", in.attentionMask().orElseThrow());
            t.put("labels", in.labels().orElseThrow());
        } finally {
            model.close();
        }
        Path file = tmp.resolve("lavin-inputs.safetensors");
        SafetensorsWriter.write(file, t);
        return file;
    }

    @Test
    void lavinForwardWritesWhatTheApiComputes() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Path in = lavinInputs(m);
            Path out = tmp.resolve("lavin-out.safetensors");
            CliRunner r = CliRunner.run("forward", "--model", lavin.toString(), "--inputs", in.toString(), "--output", out.toString());
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().startsWith("lavin: logits (2, "), r.out());
            try (MultimodalModel api = Models.load(lavin); Checkpoint written = Checkpoint.open(out)) {
                ModelOutputs expected = api.forward(ModelInputs.read(in, m));
                assertEquals(java.util.Set.of("logits", "loss", "image_hidden_states"), java.util.Set.copyOf(written.names()));
                assertEquals(0.0, maxAbsDiff(expected.logits(), written.load("logits", m)), 0.0);
                float loss = written.load("loss", m).getFloat();
                assertEquals(expected.loss().orElseThrow().getFloat(), loss, 0.0f);
                assertTrue(loss > 0.5 && loss < 20, "loss " + loss);
            }
        }
    }

    @Test
    void generateThroughTheFamilyProcessors() throws Exception {
        GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(4).build();
        // LaVIN, with an image and text-only
        for (boolean withImage : List.of(true, false)) {
            CliRunner r = withImage
                    ? CliRunner.run("generate", "--model", lavin.toString(), "--image", image.toString(), "--prompt", "what color ?",
                            "--max-new-tokens", "4", "--show-tokens")
                    : CliRunner.run("generate", "--model", lavin.toString(), "--prompt", "what color ?", "--max-new-tokens", "4",
                            "--show-tokens");
            assertEquals(0, r.code(), r.toString());
            try (Lavin model = Lavin.load(lavin);
                    LavinProcessor processor = LavinProcessor.load(lavin, model.config());
                    NDManager m = NDManager.newBaseManager()) {
                Prompt.Builder p = Prompt.builder().exampleId("p").instruction("").input("what color ?");
                if (withImage) {
                    p.addImages(image);
                }
                long[] tokens = model.generate(processor.generationInputs(List.of(p.build()), m), greedy).tokens(0);
                assertTrue(tokens.length > 0);
                assertTrue(r.out().contains("tokens: " + java.util.Arrays.toString(tokens)), r.out());
                assertEquals(processor.decode(tokens), r.out().lines().findFirst().orElseThrow(), r.out());
            }
        }
        // LLaVA-1.5's prompt
        CliRunner r = CliRunner.run("generate", "--model", llava.toString(), "--image", image.toString(), "--prompt", "what color ?",
                "--max-new-tokens", "4", "--show-tokens");
        assertEquals(0, r.code(), r.toString());
        try (Llava model = Llava.load(llava);
                LlavaProcessor processor = LlavaProcessor.load(llava, model.config());
                NDManager m = NDManager.newBaseManager()) {
            Prompt p = Prompt.builder().exampleId("p").instruction("").input("what color ?").addImages(image).build();
            long[] tokens = model.generate(processor.generationInputs(List.of(p), m), greedy).tokens(0);
            assertTrue(r.out().contains("tokens: " + java.util.Arrays.toString(tokens)), r.out());
        }
        // the Q-Former's instruction means nothing to LLaVA
        CliRunner bad = CliRunner.run("generate", "--model", llava.toString(), "--image", image.toString(), "--prompt", "what ?",
                "--instruction", "x");
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("--instruction"), bad.err());
    }

    @Test
    void unknownFamilyAndMissingInputAreNamed() throws Exception {
        Path dir = tmp.resolve("unknown");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"blip-3\"}");
        CliRunner r = CliRunner.run("forward", "--model", dir.toString(), "--inputs", dir.resolve("config.json").toString(),
                "--output", tmp.resolve("x.safetensors").toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains(dir.resolve("config.json").toString()) && r.err().contains("model_type 'blip-3'")
                && r.err().contains("llava") && r.err().contains("lavin"), r.err());

        try (NDManager m = NDManager.newBaseManager()) {
            Path in = tmp.resolve("no-ids.safetensors");
            SafetensorsWriter.write(in, Map.of("attention_mask", m.ones(new ai.djl.ndarray.types.Shape(1, 3), ai.djl.ndarray.types.DataType.INT64)));
            CliRunner missing = CliRunner.run("forward", "--model", lavin.toString(), "--inputs", in.toString(), "--output",
                    tmp.resolve("y.safetensors").toString());
            assertEquals(1, missing.code(), missing.toString());
            assertTrue(missing.err().contains(in.toString()) && missing.err().contains("missing input tensor 'input_ids'"), missing.err());
        }
    }
}
