package com.example.hello;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.Component;
import dev.mmpeft.core.config.InstructBlipConfig;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import dev.mmpeft.peft.ParameterReport;
import dev.mmpeft.peft.Peft;
import dev.mmpeft.peft.PeftModel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The smallest useful program on the SDK: a (tiny, random) InstructBLIP-FlanT5, LoRA on the
 * Q-Former's cross-attention and the LLM's feed-forward, the trainable-parameter report, one
 * forward pass with a loss, and the adapter saved in the Hugging Face PEFT layout.
 */
public final class HelloLora {
    private HelloLora() {}

    /** Runs the example; returns the report it printed. */
    public static ParameterReport run(Path adapterDir) throws Exception {
        InstructBlipConfig config = InstructBlipPresets.tiny(true, 64, 64, null);
        try (InstructBlip base = InstructBlip.random(config, 1, 0.02f);
                PeftModel<InstructBlip> model = Peft.lora().rank(2).alpha(8)
                        .target(Component.QFORMER_CROSS_ATTN, Component.LLM_FFN).on(base);
                NDManager manager = NDManager.newBaseManager()) {
            ParameterReport report = model.parameterReport();
            System.out.println(report);
            int image = config.visionConfig().imageSize();
            InstructBlipInputs inputs = InstructBlipInputs.builder()
                    .pixelValues(manager.randomNormal(new ai.djl.ndarray.types.Shape(1, 3, image, image)))
                    .qformerInputIds(manager.create(new long[][] {{2, 10, 11, 3}}))
                    .inputIds(manager.create(new long[][] {{10, 11, 12, 1}}))
                    .labels(manager.create(new long[][] {{13, 1}}))
                    .build();
            NDArray loss = model.model().forward(inputs).loss().orElseThrow();
            System.out.printf("loss of one random example: %.4f%n", loss.getFloat());
            model.save(adapterDir);
            System.out.println("adapter saved to " + adapterDir);
            return report;
        }
    }

    public static void main(String[] args) throws Exception {
        run(args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("hello-mmpeft"));
    }
}
