package dev.mmpeft.samples.cli;

import dev.mmpeft.experiments.TaskData;
import dev.mmpeft.models.generation.GenerationConfig;
import picocli.CommandLine.Option;

/**
 * The flags of how a task is read and answered, shared by {@code train}, {@code evaluate} and
 * {@code sweep}: PETAL's few-shot protocol ({@code --train-limit 50|150}, drawn with {@code --seed})
 * and the generation of open answers and captions (greedy or beams, max new tokens).
 */
public final class TaskOptions {
    @Option(names = "--train-limit", paramLabel = "N", description = "Train on N examples drawn from the train split with the seed"
            + " (PETAL's few-shot protocol: 50 or 150); default all.")
    Integer trainLimit;

    @Option(names = "--num-beams", paramLabel = "N", description = "Beam search with N beams for open answers and captions"
            + " (default 1: greedy).")
    Integer numBeams;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Longest generated answer or caption (default: 10 for"
            + " VQA, 30 for captions, as LAVIS).")
    Integer maxNewTokens;

    /** {@code task} with the flags applied; {@code seed} draws the few-shot subset. */
    public TaskData apply(TaskData task, long seed) {
        TaskData t = task;
        if (trainLimit != null) {
            if (trainLimit < 1) {
                throw new IllegalArgumentException("--train-limit must be >= 1, got " + trainLimit);
            }
            t = t.withTrainLimit(trainLimit, seed);
        }
        if (numBeams != null || maxNewTokens != null) {
            GenerationConfig.Builder g = t.generation().toBuilder();
            if (numBeams != null) {
                g.numBeams(numBeams);
            }
            if (maxNewTokens != null) {
                g.maxNewTokens(maxNewTokens);
            }
            t = t.withGeneration(g.build());
        }
        return t;
    }
}
