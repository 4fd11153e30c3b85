package dev.mmpeft.serving;

import ai.djl.ndarray.NDArray;
import dev.mmpeft.core.Component;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.testing.TinyInstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.models.processing.RgbImage;
import dev.mmpeft.peft.AdaptableModel;
import dev.mmpeft.peft.Adaptables;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import dev.mmpeft.peft.lora.InitLoraWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A tiny random InstructBLIP-FlanT5 (Hugging Face layout) with real adapter directories made on
 * it: three LoRA adapters of different targets and ranks and one IA3 adapter, all with random
 * (non-identity) values, so every adapter changes the answers; plus random images. Written once
 * per test JVM.
 */
final class ServingFixtures {
    /** What the adapters name as their base model. */
    static final String BASE_NAME = "tiny-instructblip-t5";

    private static Path root;
    private static InstructBlip model;
    private static InstructBlipProcessor processor;
    private static Map<String, Path> adapters;

    private ServingFixtures() {}

    static synchronized Path root() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("mmpeft-serving-test");
                root.toFile().deleteOnExit();
                TinyInstructBlip.write(root.resolve("model"), true, false, 17);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    /** The shared tiny model (never close it). */
    static synchronized InstructBlip model() {
        if (model == null) {
            model = InstructBlip.load(root().resolve("model"));
        }
        return model;
    }

    static synchronized InstructBlipProcessor processor() {
        if (processor == null) {
            processor = InstructBlipProcessor.load(root().resolve("model"), model().config());
        }
        return processor;
    }

    /** lora-a, lora-b, lora-c (LoRA) and ia3 (IA3), by name. */
    static synchronized Map<String, Path> adapters() {
        if (adapters == null) {
            Map<String, Path> out = new LinkedHashMap<>();
            AdaptableModel<InstructBlip> base = Adaptables.instructBlip(model(), processor(), BASE_NAME);
            out.put("lora-a", save("lora-a", Peft.lora().rank(2).alpha(4).initLoraWeights(InitLoraWeights.RANDOM).seed(1)
                    .target(Component.QFORMER_ALL, Component.LLM_ALL).on(base)));
            out.put("lora-b", save("lora-b", Peft.lora().rank(4).alpha(8).initLoraWeights(InitLoraWeights.RANDOM).seed(2)
                    .target(Component.LLM_ATTN).on(base)));
            out.put("lora-c", save("lora-c", Peft.lora().rank(2).alpha(2).initLoraWeights(InitLoraWeights.RANDOM).seed(3)
                    .target(Component.LLM_FFN, Component.QFORMER_CROSS_ATTN).on(base)));
            PeftModel<InstructBlip> ia3 = Peft.ia3().target(Component.QFORMER_ALL, Component.LLM_ALL).on(base);
            randomize(ia3.adapterTensors(PeftModel.DEFAULT_ADAPTER), 11);
            out.put("ia3", save("ia3", ia3));
            adapters = out;
        }
        return adapters;
    }

    private static Path save(String name, PeftModel<InstructBlip> peft) {
        try (peft) {
            Path dir = root().resolve("adapters").resolve(name);
            peft.save(dir, PeftModel.DEFAULT_ADAPTER);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** IA3 vectors 1 + N(0, 0.5^2): they change the outputs. */
    static void randomize(Map<String, NDArray> tensors, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (NDArray t : tensors.values()) {
            float[] v = new float[(int) t.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = 1f + 0.5f * (float) (Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble()));
            }
            t.set(FloatBuffer.wrap(v));
        }
    }

    /** A random 32x32 image. */
    static RgbImage image(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] rgb = new int[32 * 32 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = r.nextInt(256);
        }
        return RgbImage.of(32, 32, rgb);
    }

    /** An engine over the tiny model with {@code config}, every fixture adapter loaded. */
    static ServingEngine engine(ServingConfig config) throws InterruptedException {
        ServingEngine engine = ServingEngine.builder().model(model()).processor(processor()).baseModelName(BASE_NAME)
                .config(config).build();
        for (Map.Entry<String, Path> a : adapters().entrySet()) {
            engine.loadAdapter(a.getKey(), a.getValue());
        }
        return engine;
    }
}
