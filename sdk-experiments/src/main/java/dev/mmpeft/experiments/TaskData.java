package dev.mmpeft.experiments;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.datasets.DataSplits;
import dev.mmpeft.datasets.DatasetReader;
import dev.mmpeft.datasets.DatasetReaders;
import dev.mmpeft.datasets.DatasetStream;
import dev.mmpeft.datasets.ImageCheck;
import dev.mmpeft.datasets.MissingImages;
import dev.mmpeft.datasets.ReadReport;
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
 * official layout (ScienceQA, IconQA, Flickr30K, TextCaps, OK-VQA, A-OKVQA, TextVQA) or JSONL, which
 * of its records take part (by default the papers' setting: ScienceQA questions with an image, the
 * IconQA multi-text-choice sub-task), the template that renders them, how open answers are
 * generated, and optionally a few-shot training subset (PETAL's Table 3: 50 or 150 training
 * examples drawn with a seed).
 *
 * @param format {@code scienceqa}, {@code iconqa}, {@code flickr30k}, ... (or another installed reader)
 * @param root the dataset folder
 * @param template how examples become prompts
 * @param imagesOnly only records with an image (ScienceQA-IMG)
 * @param subtasks the sub-tasks read (IconQA: {@code choose_txt}, ...); empty reads all
 * @param missingImages what to do with a record whose image file is absent (a partial download)
 * @param generation how answers and captions are generated where the task type asks for generation
 * @param trainLimit training examples drawn from the train split (0: all of them)
 * @param trainSeed the seed of that draw
 */
public record TaskData(String format, Path root, PromptTemplate template, boolean imagesOnly, List<String> subtasks,
        MissingImages missingImages, GenerationConfig generation, int trainLimit, long trainSeed) {
    /** LAVIS's answer length for VQA (max_len 10) and captioning (30). */
    static final int VQA_MAX_NEW_TOKENS = 10;

    static final int CAPTION_MAX_NEW_TOKENS = 30;

    public TaskData {
        subtasks = List.copyOf(subtasks);
        if (trainLimit < 0) {
            throw new ExperimentException("the training limit must be >= 0 (0: every training example), got " + trainLimit);
        }
    }

    /** The papers' record selection for {@code format}, rendered by {@code template}; every training example, greedy answers. */
    public TaskData(String format, Path root, PromptTemplate template) {
        this(format, root, template, format.equals("scienceqa"), format.equals("iconqa") ? List.of("choose_txt") : List.of(),
                MissingImages.FAIL, GenerationConfig.greedy(defaultLength(format)), 0, 0);
    }

    /** The papers' setting and template for a dataset format. */
    public static TaskData of(String format, Path root) {
        String f = format.toLowerCase(Locale.ROOT);
        return new TaskData(f, root, PromptTemplates.forFormat(f));
    }

    /**
     * The papers' setting for a dataset format, rendered by the template a model or adapter was
     * trained with: the first of {@code trainedDirs} holding a {@link TaskCard#FILE_NAME}
     * (pass the adapter before the model), else the format's own template.
     */
    public static TaskData forTrained(String format, Path root, Path... trainedDirs) {
        TaskData d = of(format, root);
        return TaskCard.find(trainedDirs).map(found -> d.withTemplate(found.card().template())).orElse(d);
    }

    private static int defaultLength(String format) {
        return DatasetReaders.forFormat(format).taskType() == TaskType.CAPTIONING ? CAPTION_MAX_NEW_TOKENS : VQA_MAX_NEW_TOKENS;
    }

    /** The same data rendered by another template. */
    public TaskData withTemplate(PromptTemplate newTemplate) {
        return new TaskData(format, root, newTemplate, imagesOnly, subtasks, missingImages, generation, trainLimit, trainSeed);
    }

    /** The same data, only records with an image (or every record). */
    public TaskData withImagesOnly(boolean on) {
        return new TaskData(format, root, template, on, subtasks, missingImages, generation, trainLimit, trainSeed);
    }

    /** The same data, these sub-tasks only (empty: all). */
    public TaskData withSubtasks(List<String> newSubtasks) {
        return new TaskData(format, root, template, imagesOnly, newSubtasks, missingImages, generation, trainLimit, trainSeed);
    }

    /** The same data with every record: no image filter, every sub-task. */
    public TaskData withAllRecords() {
        return new TaskData(format, root, template, false, List.of(), missingImages, generation, trainLimit, trainSeed);
    }

    /** The same data with another policy for absent image files ({@link MissingImages#SKIP} reads a partial download). */
    public TaskData withMissingImages(MissingImages policy) {
        return new TaskData(format, root, template, imagesOnly, subtasks, policy, generation, trainLimit, trainSeed);
    }

    /** The same data answered with another generation setting (greedy or beams, max new tokens). */
    public TaskData withGeneration(GenerationConfig newGeneration) {
        return new TaskData(format, root, template, imagesOnly, subtasks, missingImages, newGeneration, trainLimit, trainSeed);
    }

    /** The same data with {@code limit} training examples drawn with {@code seed} (PETAL's 50- and 150-shot settings). */
    public TaskData withTrainLimit(int limit, long seed) {
        return new TaskData(format, root, template, imagesOnly, subtasks, missingImages, generation, limit, seed);
    }

    /** What the format asks of a model: candidate scoring, generation, or both. */
    public TaskType taskType() {
        return DatasetReaders.forFormat(format).taskType();
    }

    /**
     * One split as read.
     *
     * @param examples the records taking part
     * @param filtered records left out by the selection (no image, another sub-task)
     * @param skippedMissingImages records left out because their image file is absent
     */
    public record Split(List<MultimodalExample> examples, long filtered, long skippedMissingImages) {
        public Split {
            examples = List.copyOf(examples);
        }
    }

    /**
     * The examples of one split, in this selection; for the train split with a limit, that many
     * examples drawn with the seed, in their file order.
     */
    public List<MultimodalExample> examples(String split) {
        List<MultimodalExample> all = read(split).examples();
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

    /** One split with what the selection left out (every record of it: the training limit is not applied). */
    public Split read(String split) {
        List<MultimodalExample> examples = new ArrayList<>();
        ReadReport report;
        try (DatasetStream stream = reader(split).open()) {
            stream.forEach(examples::add);
            report = stream.report();
        }
        long otherSubtasks = 0;
        if (!subtasks.isEmpty()) {
            // records of the other sub-tasks are never opened by the reader: count them, answers only
            List<String> others = new ArrayList<>(DatasetReaders.forFormat(format).provider().subtasks());
            others.removeAll(subtasks);
            if (!others.isEmpty()) {
                try (DatasetStream rest = DatasetReaders.forFormat(format).root(root).split(split)
                        .subtasks(others.toArray(String[]::new)).missingImages(MissingImages.KEEP)
                        .imageCheck(ImageCheck.NONE).lenient(true).open()) {
                    rest.forEach(e -> { });
                    otherSubtasks = rest.report().examples();
                }
            }
        }
        long missing = report.skippedByReason().entrySet().stream().filter(e -> e.getKey().equals("missing image"))
                .mapToLong(java.util.Map.Entry::getValue).sum();
        return new Split(examples, report.filtered() + otherSubtasks, missing);
    }

    /** The prompts of one split. */
    public List<Prompt> prompts(String split) {
        return template.renderAll(examples(split));
    }

    /** What the selection keeps, in words: {@code questions with an image}, {@code sub-task choose_txt}, {@code every record}. */
    public String selection() {
        List<String> parts = new ArrayList<>();
        if (imagesOnly) {
            parts.add("questions with an image");
        }
        if (!subtasks.isEmpty()) {
            parts.add("sub-task " + String.join(", ", subtasks));
        }
        return parts.isEmpty() ? "every record" : String.join(", ", parts);
    }

    /**
     * How {@code model} answers this task's prompts: candidate scoring for a multiple-choice format,
     * generation (with {@link #generation()}) for captioning and open VQA, and by each prompt
     * (options or not) for formats that hold both.
     */
    public Predictor predictor(InstructBlip model, InstructBlipProcessor processor) {
        return answering(Predictor.of(model, processor));
    }

    /** {@code predictor} (of any family) answering as this task asks: see {@link #predictor(InstructBlip, InstructBlipProcessor)}. */
    public Predictor answering(Predictor predictor) {
        TaskType type = taskType();
        Predictor.Method method = type == TaskType.MULTIPLE_CHOICE ? Predictor.Method.CANDIDATE_SCORING
                : type == TaskType.OPEN_VQA || type == TaskType.CAPTIONING ? Predictor.Method.GENERATION : Predictor.Method.AUTO;
        return predictor.method(method).generation(generation);
    }

    private DatasetReader reader(String split) {
        DatasetReader reader = DatasetReaders.forFormat(format).root(root).split(split).imagesOnly(imagesOnly)
                .missingImages(missingImages);
        if (!subtasks.isEmpty()) {
            reader = reader.subtasks(subtasks.toArray(String[]::new));
        }
        return reader;
    }
}
