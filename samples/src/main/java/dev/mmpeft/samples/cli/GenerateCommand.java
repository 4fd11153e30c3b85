package dev.mmpeft.samples.cli;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.models.family.MultimodalModel;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.GenerationResult;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipInputs;
import dev.mmpeft.models.lavin.Lavin;
import dev.mmpeft.models.lavin.LavinProcessor;
import dev.mmpeft.models.llava.Llava;
import dev.mmpeft.models.llava.LlavaProcessor;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.models.processing.RgbImage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./mmpeft generate}: answers a prompt about an image with a Hugging Face model directory of
 * any registered family (InstructBLIP with {@code qformer_tokenizer/}, LLaVA, LaVIN; weights and
 * {@code tokenizer.json}), the way the family's processor + {@code model.generate} do in Python.
 */
@Command(
        name = "generate",
        header = "Generates text for an image and a prompt (greedy or beam search).",
        mixinStandardHelpOptions = true,
        description = {
            "Generates text for an image and a prompt with a model of any family (instructblip, llava, lavin; greedy or beam search).",
            "InstructBLIP: the prompt goes to the language model and, unless --instruction is given, to the Q-Former too;",
            "--question (with --choices) renders the prompt with the template the adapter or model was trained with",
            "(mmpeft_task.json), as evaluate does; --prompt is sent as it is.",
            "LLaVA: the prompt is put in LLaVA-1.5's format (USER: <image>\\n{prompt} ASSISTANT:) unless it holds <image>.",
            "LaVIN: LaVIN's prompt (Image: [features] {prompt}); without --image the question is text-only (Image: N/A)."
        })
public final class GenerateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ModelOption model;

    @Mixin DeviceOption device;

    @Option(names = "--image", paramLabel = "IMAGE", description = "A PNG or JPEG image (required for InstructBLIP; LLaVA and LaVIN also answer text-only prompts).")
    Path image;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "The prompt for the language model, as it is (no template).")
    String prompt;

    @Option(names = "--question", paramLabel = "TEXT",
            description = "A question, rendered into a prompt by the template the adapter or model was trained with"
                    + " (its mmpeft_task.json; else --template, else the ScienceQA template). Instead of --prompt.")
    String question;

    @Option(names = "--choices", paramLabel = "A,B", split = ",", description = "Answer options for --question.")
    java.util.List<String> choices = new java.util.ArrayList<>();

    @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT adapter directory to apply first.")
    Path adapter;

    @Mixin TemplateOption template;

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
    public Integer call() throws java.io.IOException {
        if ((prompt == null) == (question == null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give exactly one of --prompt and --question");
        }
        if (question == null && (!choices.isEmpty() || template.template != null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--choices and --template go with --question");
        }
        dev.mmpeft.core.Device on = device.single();
        Path modelDir = model.directory();
        GenerationConfig generation = GenerationConfig.builder()
                .numBeams(numBeams)
                .maxNewTokens(maxNewTokens)
                .minNewTokens(minNewTokens)
                .lengthPenalty(lengthPenalty)
                .repetitionPenalty(repetitionPenalty)
                .build();
        if (!model.isInstructBlip()) {
            if (question != null || adapter != null) {
                throw new ParameterException(spec.commandLine(), "--question and --adapter work with InstructBLIP models here; give"
                        + " LLaVA and LaVIN a --prompt");
            }
            return generateAnyFamily(on, generation);
        }
        if (image == null) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--image=IMAGE' (InstructBLIP answers about an image)");
        }
        if (adapter != null && !java.nio.file.Files.isDirectory(adapter)) {
            throw new dev.mmpeft.core.MmpeftException(adapter + ": no such adapter directory (--adapter)");
        }
        String text = prompt;
        String qformerText = instruction;
        if (question != null) {
            TemplateOption.Chosen chosen = adapter != null ? template.choose("scienceqa", adapter, modelDir)
                    : template.choose("scienceqa", modelDir);
            dev.mmpeft.core.Prompt rendered = chosen.template().render(dev.mmpeft.core.MultimodalExample.builder()
                    .id("generate").split("generate").question(question).addAllChoices(choices).addImages(image).build());
            text = rendered.input();
            qformerText = instruction != null ? instruction : rendered.instruction();
            spec.commandLine().getErr().println(chosen.describe() + "; prompt: " + text);
        }
        RgbImage img = RgbImage.read(image);
        try (InstructBlip blip = model.load(on);
                InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, blip.config());
                dev.mmpeft.peft.PeftModel<InstructBlip> peft = adapter == null ? null
                        : dev.mmpeft.peft.Peft.load(dev.mmpeft.peft.Adaptables.instructBlip(blip, processor, model.id()), adapter,
                                false);
                NDManager scope = NDManager.newBaseManager(on.toDjl())) {
            InstructBlipInputs inputs = processor.generationInputs(img, text, qformerText == null ? text : qformerText, scope);
            print((peft == null ? blip : peft.model()).generate(inputs, generation), processor::decode);
        }
        return 0;
    }

    /** LLaVA and LaVIN: the prompt as one {@link Prompt} through the family's processor. */
    private int generateAnyFamily(dev.mmpeft.core.Device on, GenerationConfig generation) {
        if (instruction != null) {
            throw new ParameterException(spec.commandLine(), "--instruction is the Q-Former's text; only InstructBLIP models have a Q-Former");
        }
        if (image != null && !Files.isRegularFile(image)) {
            throw new MmpeftException(image + ": no such image file");
        }
        Prompt.Builder p = Prompt.builder().exampleId("prompt").instruction("").input(prompt);
        if (image != null) {
            p.addImages(image);
        }
        List<Prompt> prompts = List.of(p.build());
        try (MultimodalModel loaded = model.loadAny(on);
                NDManager scope = NDManager.newBaseManager(on.toDjl())) {
            Path dir = model.directory();
            if (loaded.model() instanceof Llava) {
                Llava llava = (Llava) loaded.model();
                try (LlavaProcessor processor = LlavaProcessor.load(dir, llava.config())) {
                    print(llava.generate(processor.generationInputs(prompts, scope), generation), processor::decode);
                }
            } else if (loaded.model() instanceof Lavin) {
                Lavin lavin = (Lavin) loaded.model();
                try (LavinProcessor processor = LavinProcessor.load(dir, lavin.config())) {
                    print(lavin.generate(processor.generationInputs(prompts, scope), generation), processor::decode);
                }
            } else {
                throw new MmpeftException(dir + ": generate has no processor for the " + loaded.family() + " family");
            }
        }
        return 0;
    }

    private void print(GenerationResult result, Function<long[], String> decode) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(decode.apply(result.tokens(0)));
        if (showTokens) {
            out.printf(Locale.ROOT, "tokens: %s%nscore: %.6f%n", java.util.Arrays.toString(result.tokens(0)), result.score(0));
        }
        out.flush();
    }
}
