package dev.mmpeft.peft;

import dev.mmpeft.peft.lora.InitLoraWeights;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.safetensors.SafetensorsWriter;
import dev.mmpeft.models.nn.Weights;
import dev.mmpeft.peft.testing.ToyModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks an adapter written here against an independent numpy implementation
 * ({@code src/test/python/lora_reference.py}): the PEFT file layout, PEFT's target matching, and
 * the LoRA forward pass with rank/alpha patterns, rsLoRA and modules to save.
 */
class NumpyReferenceTest {
    @TempDir Path tmp;

    @Test
    void adapterFormatAndLoraForwardMatchTheNumpyReference() throws Exception {
        Assumptions.assumeTrue(pythonWithNumpy(), "needs python3 with numpy: none found on this machine");
        try (NDManager manager = NDManager.newBaseManager()) {
            ToyModel base = ToyModel.random(manager, 31);
            SafetensorsWriter.write(tmp.resolve("base.safetensors"), Weights.arrays(base.root()));
            // a fixed input: the engine's global generator would make it depend on the tests that ran before
            java.util.SplittableRandom random = new java.util.SplittableRandom(12);
            float[] values = new float[2 * 4 * ToyModel.IN];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (random.nextDouble() * 2 - 1);
            }
            NDArray x = manager.create(values, new Shape(2, 4, ToyModel.IN));
            try (PeftModel<ToyModel.Net> peft = Peft.lora().rank(2).alpha(3).useRslora(true).init(InitLoraWeights.RANDOM).seed(5)
                    .target(Component.QFORMER_CROSS_ATTN).target("query", "fc2").layers(0, 1).layersPattern("layer")
                    .rankPattern("fc2", 3).alphaPattern("layer\\.1\\.attention\\.query", 7)
                    .train(Component.LANGUAGE_PROJECTION, Component.QUERY_TOKENS).on(base)) {
                // make the full-trained copies differ from the base so the reference must read them
                peft.adaptable().root().namedParameters().get("proj.weight").getArray().muli(1.5f);
                peft.adaptable().root().namedParameters().get("query_tokens").getArray().addi(0.3f);
                NDArray y;
                try (NDManager scope = manager.newSubManager()) {
                    NDArray in = x.duplicate();
                    in.attach(scope);
                    y = peft.model().forward(in);
                    y.attach(manager);
                }
                peft.save(tmp.resolve("adapter"));
                SafetensorsWriter.write(tmp.resolve("io.safetensors"), Map.of("x", x, "output", y));
            }
        }
        Process p = new ProcessBuilder("python3", Path.of("src/test/python/lora_reference.py").toAbsolutePath().toString(), tmp.toString())
                .redirectErrorStream(true)
                .start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "reference finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        // layers 0 and 1 only: the cross-attention key of layer 0, queries and fc2 of layers 0 and 1
        assertTrue(out.startsWith("OK lora modules 5 "), out);
        System.out.print("lora reference: " + out);
    }

    static boolean pythonWithNumpy() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
