package dev.mmpeft.experiments;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.datasets.DataSplits;
import dev.mmpeft.datasets.DatasetReader;
import dev.mmpeft.datasets.DatasetReaders;
import dev.mmpeft.datasets.TaskType;
import dev.mmpeft.datasets.prompt.PromptTemplate;
import dev.mmpeft.datasets.prompt.PromptTemplates;
import dev.mmpeft.models.generation.GenerationConfig;
import dev.mmpeft.models.generation.Predictor;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Where an experiment's examples come from and how they become prompts and answers: a dataset in an
 * official layout (ScienceQA, IconQA, Flickr30K, TextCaps, OK-VQA, A-OKVQA, TextVQA) or JSONL, the
 * papers' setting for it (ScienceQA: questions with an image; IconQA: the multi-text-choice
 * sub-task), the template that renders them, how open answers are generated, and optionally a
 * few-shot training subset (PETAL's Table 3: 50 or 150 training examples drawn with a seed).
 *
 * @param format {@code scienceqa}, {@code iconqa}, {@code flickr30k}, ... (or another installed reader)
 * @param root the dataset folder
 * @param template how examples become prompts
 * @param generation how answers and captions are generated where the task type asks for generation
 * @param trainLimit training examples drawn from the train split (0: all of them)
 * @param trainSeed the seed of that draw
 */
public record TaskData(String format, Path root, PromptTemplate template, GenerationConfig generation, int trainLimit,
        long trainSeed) {
    /** LAVIS's answer length for VQA (max_len 10) and captioning (30). */
    static final int VQA_MAX_NEW_TOKENS = 10;

    static final int CAPTION_MAX_NEW_TOKENS = 30;

    public TaskData {
        if (trainLimit < 0) {
            throw new ExperimentException("the training limit must be >= 0 (0: every training example), got " + trainLimit);
        }
    }

    /** All training examples, greedy generation of the task type's length. */
    public TaskData(String format, Path root, PromptTemplate template) {
        this(format, root, template, GenerationConfig.greedy(defaultLength(format)), 0, 0);
    }

    /** The papers' setting and template for a dataset format. */
    public static TaskData of(String format, Path root) {
        String f = format.toLowerCase(Locale.ROOT);
        return new TaskData(f, root, PromptTemplates.forFormat(f));
    }

    private static int defaultLength(String format) {
        return DatasetReaders.forFormat(format).taskType() == TaskType.CAPTIONING ? CAPTION_MAX_NEW_TOKENS : VQA_MAX_NEW_TOKENS;
    }

    /** The same data rendered by another template. */
    public TaskData withTemplate(PromptTemplate newTemplate) {
        return new TaskData(format, root, newTemplate, generation, trainLimit, trainSeed);
    }

    /** The same data answered with another generation setting (greedy or beams, max new tokens). */
    public TaskData withGeneration(GenerationConfig newGeneration) {
        return new TaskData(format, root, template, newGeneration, trainLimit, trainSeed);
    }

    /** The same data with {@code limit} training examples drawn with {@code seed} (PETAL's 50- and 150-shot settings). */
    public TaskData withTrainLimit(int limit, long seed) {
        return new TaskData(format, root, template, generation, limit, seed);
    }

    /** What the format asks of a model: candidate scoring, generation, or both. */
    public TaskType taskType() {
        return DatasetReaders.forFormat(format).taskType();
    }

    /**
     * The examples of one split, in the papers' setting (ScienceQA-IMG, IconQA choose_txt); for the
     * train split with a limit, that many examples drawn with the seed, in their file order.
     */
    public List<MultimodalExample> examples(String split) {
        DatasetReader reader = DatasetReaders.forFormat(format).root(root).split(split);
        if (format.equals("scienceqa")) {
            reader = reader.imagesOnly(true);
        } else if (format.equals("iconqa")) {
            reader = reader.subtasks("choose_txt");
        }
        List<MultimodalExample> all = reader.readAll();
        if (!split.equals("train") || trainLimit == 0 || trainLimit >= all.size()) {
            return all;
        }
        int[] chosen = Arrays.copyOf(DataSplits.permutation(all.size(), trainSeed), trainLimit);
        Arrays.sort(chosen);
        List<MultimodalExample> out = new ArrayList<>(trainLimit);
        for (int i : chosen) {
            out.add(all.get(i));
        }
        return out;
    }

    /** The prompts of one split. */
    public List<Prompt> prompts(String split) {
        return template.renderAll(examples(split));
    }

    /**
     * How {@code model} answers this task's prompts: candidate scoring for a multiple-choice format,
     * generation (with {@link #generation()}) for captioning and open VQA, and by each prompt
     * (options or not) for formats that hold both.
     */
    public Predictor predictor(InstructBlip model, InstructBlipProcessor processor) {
        TaskType type = taskType();
        Predictor.Method method = type == TaskType.MULTIPLE_CHOICE ? Predictor.Method.CANDIDATE_SCORING
                : type == TaskType.OPEN_VQA || type == TaskType.CAPTIONING ? Predictor.Method.GENERATION : Predictor.Method.AUTO;
        return Predictor.of(model, processor).method(method).generation(generation);
    }
}
