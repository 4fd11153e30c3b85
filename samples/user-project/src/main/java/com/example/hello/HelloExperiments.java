package com.example.hello;

import dev.mmpeft.core.Component;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.train.Trainer;
import dev.mmpeft.core.train.TrainingResult;
import dev.mmpeft.core.train.optim.AdamW;
import dev.mmpeft.datasets.synthetic.SyntheticDataset;
import dev.mmpeft.datasets.synthetic.Variant;
import dev.mmpeft.eval.Evaluators;
import dev.mmpeft.experiments.Experiment;
import dev.mmpeft.experiments.FineTuning;
import dev.mmpeft.experiments.Sweep;
import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.experiments.TaskModel;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.instructblip.InstructBlipPresets;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import dev.mmpeft.peft.Peft;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The papers' experiments from a user's project, with nothing but the SDK's artifacts: a tiny
 * InstructBLIP built here (random weights, word-level tokenizers over the task's words), a small
 * synthetic ScienceQA-layout task, a 2 x 1 sweep (two component sets at rank 1, plus zero-shot),
 * and the fit recipe written out: LoRA, then {@code Trainer...fit(model, train, validation, evaluator)}.
 */
public final class HelloExperiments {
    private static final Pattern WORD = Pattern.compile("\\w+|[^\\w\\s]+");

    private HelloExperiments() {}

    /** What the example produced. */
    public record Results(Sweep.Result sweep, TrainingResult training, EvaluationResult fineTuned) {}

    /** Builds the model and data under {@code work}, runs the sweep and the fit recipe there. */
    public static Results run(Path work, PrintStream console) throws IOException {
        Path data = SyntheticDataset.builder().seed(11).variant(Variant.SHIFTED).train(16).val(4).test(6).imageSize(28)
                .choices(3).build().writeScienceQa(work.resolve("data"));
        TaskData task = TaskData.of("scienceqa", data);
        Path modelDir = work.resolve("model");
        InstructBlipPresets.writeTiny(modelDir, words(task), true, false, 1, 0.3f);

        try (InstructBlip model = InstructBlip.load(modelDir);
                InstructBlipProcessor processor = InstructBlipProcessor.load(modelDir, model.config())) {
            FineTuning recipe = FineTuning.lora(EnumSet.of(Component.QFORMER_CROSS_ATTN), 1).withRecipe(1e-2, 2, 8, 0);
            Sweep.Grid grid = new Sweep.Grid(List.of(EnumSet.of(Component.QFORMER_CROSS_ATTN), EnumSet.of(Component.LLM_FFN)),
                    List.of(1), false, true);
            Sweep.Result sweep = Sweep.run(model, processor, "hello-tiny", task, grid.settings(recipe, FineTuning.fullQformer()),
                    work.resolve("sweep"), console);

            // the recipe by hand: adapt, fit with validation answered by the model, evaluate the test split
            List<Prompt> train = task.prompts("train");
            List<MultimodalExample> validation = task.examples("val");
            try (TaskModel<InstructBlip> lora = TaskModel.of(Peft.lora().rank(2).alpha(8).target(Component.LLM_FFN)
                    .on(model, processor, "hello-tiny"), processor, task.template())) {
                TrainingResult training = Trainer.builder().optimizer(AdamW.lr(1e-2)).epochs(2).batchSize(8)
                        .listeners().build()
                        .fit(lora, train, validation, Evaluators.forFormat(task.format()));
                EvaluationResult tuned = Experiment.evaluate(lora.peft().model(), processor, task, task.examples("test"));
                console.printf(Locale.ROOT, "fit: %d steps, test accuracy %.2f%%%n", training.steps(), tuned.headline());
                return new Results(sweep, training, tuned);
            }
        }
    }

    /** Every word of the task's prompts and options, for the tokenizers. */
    static List<String> words(TaskData task) {
        TreeSet<String> words = new TreeSet<>();
        for (String split : List.of("train", "val", "test")) {
            for (Prompt p : task.prompts(split)) {
                StringBuilder text = new StringBuilder(p.instruction()).append(' ').append(p.input());
                p.candidates().forEach(c -> text.append(' ').append(c));
                p.target().ifPresent(t -> text.append(' ').append(t));
                Matcher m = WORD.matcher(text.toString().toLowerCase(Locale.ROOT));
                while (m.find()) {
                    words.add(m.group());
                }
            }
        }
        return List.copyOf(words);
    }

    public static void main(String[] args) throws Exception {
        run(args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("hello-experiments"), System.out);
    }
}
