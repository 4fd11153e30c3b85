package dev.mmpeft.samples.cli;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.models.processing.RgbImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./mmpeft generate}: answers a prompt about an image with a Hugging Face InstructBLIP
 * directory (weights, {@code tokenizer.json}, {@code qformer_tokenizer/}), the way
 * {@code InstructBlipProcessor} + {@code model.generate} do in Python.
 */
@Command(
        name = "generate",
        header = "Generates text for an image and a prompt (greedy or beam search).",
        mixinStandardHelpOptions = true,
        description = {
            "Generates text for an image and a prompt with an InstructBLIP model (greedy or beam search).",
            "The prompt goes to the language model and, unless --instruction is given, to the Q-Former too."
        })
public final class GenerateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ModelOption model;

    @Mixin DeviceOption device;

    @Option(names = "--image", required = true, paramLabel = "IMAGE", description = "A PNG or JPEG image.")
    Path image;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt for the language model.")
    String prompt;

    @Option(names = "--instruction", paramLabel = "TEXT", description = "Text for the Q-Former (default: the prompt).")
    String instruction;

    @Option(names = "--num-beams", paramLabel = "N", defaultValue = "1", description = "Beams (1 = greedy). Default: ${DEFAULT-VALUE}.")
    int numBeams;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "30", description = "Tokens to generate at most. Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--min-new-tokens", paramLabel = "N", defaultValue = "0", description = "Tokens before EOS is allowed. Default: ${DEFAULT-VALUE}.")
    int minNewTokens;

    @Option(names = "--length-penalty", paramLabel = "X", defaultValue = "1.0", description = "Beam length penalty. Default: ${DEFAULT-VALUE}.")
    double lengthPenalty;

    @Option(names = "--repetition-penalty", paramLabel = "X", defaultValue = "1.0", description = "1 for none. Default: ${DEFAULT-VALUE}.")
    double repetitionPenalty;

    @Option(names = "--show-tokens", description = "Also print the generated token ids and the sequence score.")
    boolean showTokens;

    @Override
    public Integer call() {
        dev.mmpeft.core.Device on = device.single();
        Path modelDir = model.directory();
        RgbImage img = RgbImage.read(image);
        GenerationConfig generation = GenerationConfig.builder()
                .numBeams(numBeams)
                .maxNewTokens(maxNewTokens)
                .minNewTokens(minNewTokens)
                .lengthPenalty(lengthPenalty)
                .repetitionPenalty(repetitionPenalty)
                .build();
        try (InstructBlip blip = model.load(on);
                InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, blip.config());
                NDManager scope = NDManager.newBaseManager(on.toDjl())) {
            InstructBlipInputs inputs = processor.generationInputs(img, prompt, instruction == null ? prompt : instruction, scope);
            GenerationResult result = blip.generate(inputs, generation);
            PrintWriter out = spec.commandLine().getOut();
            out.println(processor.decode(result.tokens(0)));
            if (showTokens) {
                out.printf(Locale.ROOT, "tokens: %s%nscore: %.6f%n", java.util.Arrays.toString(result.tokens(0)), result.score(0));
            }
            out.flush();
        }
        return 0;
    }
}
