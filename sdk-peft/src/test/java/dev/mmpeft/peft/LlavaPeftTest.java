package dev.mmpeft.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.models.llava.Llava;
import dev.mmpeft.models.llava.LlavaPresets;
import dev.mmpeft.models.llava.LlavaProcessor;
import dev.mmpeft.models.nn.HfBlock;
import dev.mmpeft.models.nn.Linear;
import dev.mmpeft.peft.lora.InitLoraWeights;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEFT on the LLaVA family: components resolve to its modules, B = 0 is the identity, the connector trains in full, files round-trip. */
class LlavaPeftTest {
    private static final List<String> WORDS = List.of("what", "colour", "is", "it", "red", "green", "blue", "?");

    @TempDir Path tmp;

    @Test
    void loraOnVisionAndLanguageAttentionWithTheConnectorInFull() throws Exception {
        Path dir = tmp.resolve("llava");
        LlavaPresets.writeTiny(dir, WORDS, 5, 0.3f);
        List<Prompt> prompts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            prompts.add(Prompt.builder().exampleId("e" + i).addImages(image(i)).instruction("what colour is it ?")
                    .input("what colour is it ?").target(WORDS.get(4 + i % 3)).build());
        }
        try (Llava base = Llava.load(dir);
                LlavaProcessor processor = LlavaProcessor.load(dir, base.config());
                NDManager m = NDManager.newBaseManager()) {
            float[] before = base.forward(processor.trainingInputs(prompts, m)).logits().toFloatArray();
            int r = 2;
            try (PeftModel<Llava> peft = Peft.lora().rank(r).alpha(4).target(Component.VISION_ATTN, Component.LLM_ATTN)
                    .train(Component.LANGUAGE_PROJECTION).on(Adaptables.llava(base, processor, "tiny-llava"))) {
                // LoRA = r * (in + out) over the targeted linear layers; the connector trains as a copy of every tensor
                long lora = 0;
                Map<String, HfBlock> modules = base.namedModules();
                for (Component c : List.of(Component.VISION_ATTN, Component.LLM_ATTN)) {
                    for (String name : base.modulesOf(c)) {
                        Linear l = (Linear) modules.get(name);
                        lora += (long) r * (l.inFeatures() + l.outFeatures());
                    }
                }
                long connector = base.multiModalProjector().parameterCount();
                assertEquals(lora + connector, peft.trainableParameters().count());
                assertEquals(lora, peft.parameterReport().rows().stream().filter(row -> row.method().equals("lora"))
                        .mapToLong(ParameterReport.Row::trainable).sum());
                assertTrue(peft.targetedModules("default").contains("language_model.model.layers.1.self_attn.v_proj"));
                assertTrue(peft.targetedModules("default").contains("vision_tower.vision_model.encoder.layers.0.self_attn.out_proj"));

                float[] adapted = peft.model().forward(processor.trainingInputs(prompts, m)).logits().toFloatArray();
                assertArrayEquals(before, adapted, 1e-6f, "B = 0 leaves LLaVA's logits unchanged");

                float first = peft.loss(prompts, m).getFloat();
                TrainingTest.AdamW adamW = new TrainingTest.AdamW(5e-2, 0);
                try (NDManager state = NDManager.newBaseManager()) {
                    for (int step = 0; step < 15; step++) {
                        try (NDManager scope = NDManager.newBaseManager();
                                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            gc.backward(peft.loss(prompts, scope));
                        }
                        adamW.step(peft.trainableParameters(), state);
                    }
                }
                float last = peft.loss(prompts, m).getFloat();
                assertTrue(last < first * 0.8, "loss " + first + " -> " + last);
                float[] trained = peft.model().forward(processor.trainingInputs(prompts, m)).logits().toFloatArray();
                peft.save(tmp.resolve("adapter"));
                try (PeftModel<Llava> loaded = Peft.load(Adaptables.llava(base, processor, "tiny-llava"), tmp.resolve("adapter"), false)) {
                    assertTrue(loaded.loadReport("default").orElseThrow().isExact());
                    assertArrayEquals(trained, loaded.model().forward(processor.trainingInputs(prompts, m)).logits().toFloatArray(), 1e-6f);
                }
            }
            assertArrayEquals(before, base.forward(processor.trainingInputs(prompts, m)).logits().toFloatArray(), 0f,
                    "the base model is never modified");
        }
    }

    private Path image(int seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                img.setRGB(x, y, r.nextInt(0x1000000));
            }
        }
        Path p = tmp.resolve("img" + seed + ".png");
        ImageIO.write(img, "png", p.toFile());
        return p;
    }
}
