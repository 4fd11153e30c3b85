package dev.mmpeft.models.generation;

import ai.djl.ndarray.NDManager;
import com.google.common.base.Preconditions;
import com.google.common.collect.Lists;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.core.train.Autograd;
import dev.mmpeft.models.nn.HfModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers rendered prompts with a model of any family (InstructBLIP, LLaVA, LaVIN), the one way from a model to
 * {@link Prediction}s that evaluators score: by candidate scoring (every option's target text
 * scored by the model's loss, lowest wins, as LAVIS evaluates ScienceQA and IconQA) or by
 * generation (greedy or beam search, decoded text). Why one entry point: validation during
 * training, the fine-tune recipe and the CLI all predict the same way.
 *
 * <pre>{@code
 * Map<String, Prediction> answers = Predictor.of(model, processor).predict(prompts); // the task picks
 * Predictor.of(model, processor).method(Predictor.Method.GENERATION)
 *         .generation(GenerationConfig.beams(5, 10)).predict(prompts);
 * }</pre>
 *
 * <p>The model is switched to inference mode first; each example (scoring) or batch (generation)
 * runs in its own memory scope.
 */
public final class Predictor {
    /** How prompts are answered. */
    public enum Method {
        /** The task type picks: candidate scoring for a prompt with options, generation otherwise. */
        AUTO,
        /** Every prompt must have options; the one with the lowest loss is the answer. */
        CANDIDATE_SCORING,
        /** The generated text is the answer (options, if any, are left to the evaluator's parser). */
        GENERATION
    }

    /** The default generation: greedy, up to 30 new tokens (LAVIS's VQA setting is 10, captioning 30). */
    public static final int DEFAULT_MAX_NEW_TOKENS = 30;

    private final Answering<?> model;
    private final Method method;
    private final GenerationConfig generation;
    private final int batchSize;

    private Predictor(Answering<?> model, Method method, GenerationConfig generation, int batchSize) {
        this.model = model;
        this.method = method;
        this.generation = generation;
        this.batchSize = batchSize;
    }

    /**
     * A predictor of {@code model} on the inputs {@code processor} makes, whose task type picks the
     * method ({@link Method#AUTO}), generating greedily when it generates.
     */
    public static <I, M extends HfModel<?> & GenerativeModel<I>> Predictor of(M model, PromptProcessor<I> processor) {
        return new Predictor(new Answering<>(model, model, processor), Method.AUTO,
                GenerationConfig.greedy(DEFAULT_MAX_NEW_TOKENS), 8);
    }

    /** A model with the processor of its inputs, typed together. */
    private record Answering<I>(HfModel<?> block, GenerativeModel<I> model, PromptProcessor<I> processor) {
        ai.djl.Device device() {
            return block.manager().map(NDManager::getDevice).orElseGet(() -> block.getParameters().valueAt(0).getArray().getDevice());
        }

        List<String> generate(List<Prompt> batch, GenerationConfig generation, NDManager scope) {
            GenerationResult r = model.generate(processor.generationInputs(batch, scope), generation);
            List<String> out = new ArrayList<>();
            for (int j = 0; j < batch.size(); j++) {
                out.add(processor.decode(r.tokens(j * r.numReturnSequences())));
            }
            return out;
        }

        /** The best candidate of each prompt of a batch whose prompts share their options. */
        int[] best(List<Prompt> batch, NDManager scope) {
            CandidateScores scores = model.scoreCandidates(processor.scoringInputs(batch, scope),
                    processor.candidateIds(batch.get(0).candidates()));
            int[] best = new int[batch.size()];
            for (int b = 0; b < best.length; b++) {
                best[b] = scores.best(b);
            }
            return best;
        }
    }

    /** The same predictor answering by {@code newMethod}. */
    public Predictor method(Method newMethod) {
        return new Predictor(model, newMethod, generation, batchSize);
    }

    /** The same predictor generating with {@code config} (greedy or beams, max new tokens, ...). */
    public Predictor generation(GenerationConfig config) {
        return new Predictor(model, method, config, batchSize);
    }

    /**
     * The same predictor answering {@code n} prompts at a time (default 8): a batch of generation,
     * or of candidate scoring over prompts that share their options.
     */
    public Predictor batchSize(int n) {
        Preconditions.checkArgument(n >= 1, "batch size must be >= 1, got %s", n);
        return new Predictor(model, method, generation, n);
    }

    /**
     * The prediction of every prompt, by example id, in the prompts' order. Nothing records
     * gradients: prediction never trains, whatever the model's parameters require.
     *
     * @throws MmpeftException when candidate scoring is asked for a prompt without options
     */
    public Map<String, Prediction> predict(List<Prompt> prompts) {
        model.block().setTraining(false);
        Map<String, Prediction> out = new LinkedHashMap<>();
        // prompts with the same options are scored together (one candidate list per batch)
        Map<List<String>, List<Prompt>> toScore = new LinkedHashMap<>();
        List<Prompt> toGenerate = new ArrayList<>();
        for (Prompt p : prompts) {
            boolean score = method == Method.CANDIDATE_SCORING || (method == Method.AUTO && !p.candidates().isEmpty());
            if (score && p.candidates().isEmpty()) {
                throw new MmpeftException("example " + p.exampleId() + " has no answer options; candidate scoring needs"
                        + " multiple-choice questions (answer it by generation instead)");
            }
            out.put(p.exampleId(), Prediction.ofText(p.exampleId(), "")); // keeps the prompts' order
            if (score) {
                toScore.computeIfAbsent(p.candidates(), k -> new ArrayList<>()).add(p);
            } else {
                toGenerate.add(p);
            }
        }
        try (Autograd.GradMode off = Autograd.gradMode(false); NDManager base = NDManager.newBaseManager(model.device())) {
            for (List<Prompt> group : toScore.values()) {
                for (List<Prompt> batch : Lists.partition(group, batchSize)) {
                    try (NDManager scope = base.newSubManager()) {
                        int[] best = model.best(batch, scope);
                        for (int j = 0; j < batch.size(); j++) {
                            String id = batch.get(j).exampleId();
                            out.put(id, Prediction.ofChoice(id, best[j]));
                        }
                    }
                }
            }
            for (List<Prompt> batch : Lists.partition(toGenerate, batchSize)) {
                try (NDManager scope = base.newSubManager()) {
                    List<String> texts = model.generate(batch, generation, scope);
                    for (int j = 0; j < batch.size(); j++) {
                        String id = batch.get(j).exampleId();
                        out.put(id, Prediction.ofText(id, texts.get(j)));
                    }
                }
            }
        }
        return out;
    }
}
