package dev.mmpeft.models.generation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.models.LanguageModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Greedy decoding and beam search with the semantics of transformers' {@code generate}, on any
 * {@link LanguageModel}, batched, from input embeddings (InstructBLIP's way) or token ids.
 *
 * <p>Greedy: logits processors ({@code repetition_penalty}, {@code min_new_tokens}) on the raw
 * logits, argmax, finished rows continue with the pad id, stop when every row has produced EOS
 * or {@code max_new_tokens} tokens. Beam search: transformers' vectorised {@code _beam_search}
 * (log-softmax, then processors, top {@code 2 * num_beams} continuations, EOS hypotheses among
 * the top {@code num_beams} kept with score {@code sum_logprobs / length^length_penalty}, the
 * early-stopping heuristic or {@code "never"}/{@code True}), in float32 as transformers computes
 * it.
 *
 * <p>Decoder-only prompts may be left-padded (transformers' convention) or right-padded (the
 * model rearranges such rows so generation continues after the last real token; see
 * {@link LanguageModel#startDecoding}).
 */
public final class Generator {
    private static final float NEG = -1.0e9f;

    private Generator() {}

    /**
     * Generates from prompt embeddings.
     *
     * @param inputsEmbeds {@code [batch, seq, hidden]}: the encoder input (T5) or the prefix (LLaMA)
     * @param attentionMask {@code [batch, seq]}
     */
    public static GenerationResult generate(
            LanguageModel model, NDArray inputsEmbeds, NDArray attentionMask, GenerationConfig config) {
        return generate(model, inputsEmbeds, attentionMask, config, null);
    }

    /**
     * Generates from prompt embeddings as {@link #generate(LanguageModel, NDArray, NDArray,
     * GenerationConfig)}, and, when decoding greedily, drops rows from the batch as they finish:
     * {@code retention} hears which rows are left before each step that runs without the others.
     * The tokens are those of the full batch; what changes is that a batch no longer computes
     * every row until its longest answer ends (what a server batching short and long answers
     * together pays for). Beam search keeps every row; so does a null {@code retention}.
     */
    public static GenerationResult generate(LanguageModel model, NDArray inputsEmbeds, NDArray attentionMask, GenerationConfig config,
            @Nullable RowRetention retention) {
        return run(model, inputsEmbeds, attentionMask, null, config, retention);
    }

    /**
     * Generates from prompt token ids ({@code input_ids}). For decoder-only models the prompt ids
     * are also what repetition penalty sees and what {@link GenerationResult#sequences()} starts
     * with, as in transformers.
     */
    public static GenerationResult generateFromIds(
            LanguageModel model, NDArray inputIds, NDArray attentionMask, GenerationConfig config) {
        long[][] ids = null;
        if (!model.isEncoderDecoder()) {
            long[] flat = inputIds.toType(DataType.INT64, false).toLongArray();
            int batch = (int) inputIds.getShape().get(0);
            int length = (int) inputIds.getShape().get(1);
            ids = new long[batch][];
            for (int b = 0; b < batch; b++) {
                ids[b] = Arrays.copyOfRange(flat, b * length, (b + 1) * length);
            }
        }
        try (NDManager scope = inputIds.getManager().newSubManager()) {
            NDArray copy = inputIds.duplicate();
            copy.attach(scope);
            NDArray embeds = model.embedTokens(copy);
            return run(model, embeds, attentionMask, ids, config, null);
        }
    }

    private static GenerationResult run(
            LanguageModel model, NDArray embeds, NDArray mask, long @Nullable [][] promptIds, GenerationConfig config,
            @Nullable RowRetention retention) {
        int eos = config.eosTokenId().orElse(model.eosTokenId());
        int pad = config.padTokenId().orElse(model.padTokenId().orElse(eos));
        int batch = (int) embeds.getShape().get(0);
        if (mask.getShape().get(0) != batch || mask.getShape().get(1) != embeds.getShape().get(1)) {
            throw new MmpeftException("generate: attention_mask " + mask.getShape() + " does not match inputs " + embeds.getShape());
        }
        long[][] prefix = new long[batch][];
        for (int b = 0; b < batch; b++) {
            if (model.isEncoderDecoder()) {
                prefix[b] = new long[] {model.decoderStartTokenId().orElseThrow()};
            } else {
                prefix[b] = promptIds == null ? new long[0] : promptIds[b];
            }
        }
        Decoding d = new Decoding(model, embeds, mask, prefix, eos, pad, config);
        return config.numBeams() == 1 ? d.greedy(retention) : d.beamSearch();
    }

    /** One generation's state shared by both strategies. */
    private static final class Decoding {
        private final LanguageModel model;
        private final NDArray embeds;
        private final NDArray mask;
        private final long[][] prefix;
        private final int eos;
        private final int pad;
        private final GenerationConfig config;
        private final int batch;

        Decoding(LanguageModel model, NDArray embeds, NDArray mask, long[][] prefix, int eos, int pad, GenerationConfig config) {
            this.model = model;
            this.embeds = embeds;
            this.mask = mask;
            this.prefix = prefix;
            this.eos = eos;
            this.pad = pad;
            this.config = config;
            this.batch = prefix.length;
        }

        /** Logits processors, in place on one row's scores ({@code generated} tokens so far). */
        private void process(float[] scores, int offset, int vocab, long[] context, long[] generated, int count) {
            double penalty = config.repetitionPenalty();
            if (penalty != 1.0) {
                float p = (float) penalty;
                Set<Long> seen = new HashSet<>();
                for (long t : context) {
                    seen.add(t);
                }
                for (int i = 0; i < count; i++) {
                    seen.add(generated[i]);
                }
                for (long t : seen) {
                    if (t >= 0 && t < vocab) {
                        float s = scores[offset + (int) t];
                        scores[offset + (int) t] = s < 0 ? s * p : s / p;
                    }
                }
            }
            if (count < config.minNewTokens() && eos < vocab) {
                scores[offset + eos] = Float.NEGATIVE_INFINITY;
            }
        }

        GenerationResult greedy(@Nullable RowRetention retention) {
            int maxNew = config.maxNewTokens();
            long[][] generated = new long[batch][maxNew];
            int[] lengths = new int[batch];
            boolean[] unfinished = new boolean[batch];
            Arrays.fill(unfinished, true);
            double[] logprob = new double[batch];
            long[] last = new long[batch];
            int[] live = new int[batch]; // session row i is example live[i]
            for (int r = 0; r < batch; r++) {
                live[r] = r;
            }
            NDManager base = embeds.getManager();
            try (LanguageModel.DecodingSession session = model.startDecoding(embeds, mask, 1, config.useCache())) {
                for (int step = 0; step < maxNew; step++) {
                    float[] scores;
                    int vocab;
                    try (NDManager scope = base.newSubManager()) {
                        NDArray logits = step == 0 ? session.first(scope) : session.next(scope, last);
                        vocab = (int) logits.getShape().get(1);
                        scores = logits.toType(DataType.FLOAT32, false).toFloatArray();
                    }
                    int alive = 0;
                    for (int i = 0; i < live.length; i++) {
                        int r = live[i];
                        int off = i * vocab;
                        process(scores, off, vocab, prefix[r], generated[r], step);
                        int best = 0;
                        for (int v = 1; v < vocab; v++) {
                            if (scores[off + v] > scores[off + best]) {
                                best = v;
                            }
                        }
                        if (unfinished[r]) {
                            generated[r][lengths[r]++] = best;
                            logprob[r] += scores[off + best] - logSumExp(scores, off, vocab);
                            last[i] = best;
                            if (best == eos) {
                                unfinished[r] = false;
                            }
                        } else {
                            last[i] = pad;
                        }
                        alive += unfinished[r] ? 1 : 0;
                    }
                    if (alive == 0) {
                        break;
                    }
                    if (retention != null && alive < live.length && step + 1 < maxNew) {
                        long[] keep = new long[alive];
                        int[] kept = new int[alive];
                        long[] next = new long[alive];
                        for (int i = 0, k = 0; i < live.length; i++) {
                            if (unfinished[live[i]]) {
                                keep[k] = i;
                                kept[k] = live[i];
                                next[k++] = last[i];
                            }
                        }
                        session.retain(keep);
                        retention.retain(Arrays.stream(kept).asLongStream().toArray());
                        live = kept;
                        last = next;
                    }
                }
            }
            List<long[]> tokens = new ArrayList<>();
            float[] scores = new float[batch];
            for (int r = 0; r < batch; r++) {
                tokens.add(Arrays.copyOf(generated[r], lengths[r]));
                scores[r] = (float) (logprob[r] / Math.pow(lengths[r], config.lengthPenalty()));
            }
            return result(tokens, scores, 1);
        }

        private static double logSumExp(float[] x, int off, int n) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, x[off + i]);
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += Math.exp(x[off + i] - max);
            }
            return max + Math.log(sum);
        }

        /** A finished hypothesis. */
        private static final class Hypothesis {
            final long[] tokens;
            final float score;

            Hypothesis(long[] tokens, float score) {
                this.tokens = tokens;
                this.score = score;
            }
        }

        GenerationResult beamSearch() {
            int k = config.numBeams();
            int maxNew = config.maxNewTokens();
            int keep = 2 * k; // max(2, 1 + number of EOS ids) * num_beams with one EOS id
            float lp = (float) config.lengthPenalty();
            int rows = batch * k;
            long[][] running = new long[rows][0];
            float[] runningScores = new float[rows];
            for (int b = 0; b < batch; b++) {
                for (int j = 1; j < k; j++) {
                    runningScores[b * k + j] = NEG;
                }
            }
            List<List<Hypothesis>> finished = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                finished.add(new ArrayList<>());
            }
            boolean[] unsatisfied = new boolean[batch];
            Arrays.fill(unsatisfied, true);
            NDManager base = embeds.getManager();
            try (LanguageModel.DecodingSession session = model.startDecoding(embeds, mask, k, config.useCache())) {
                long[] nextTokens = null;
                for (int g = 0; g < maxNew; g++) {
                    float[] logProbs;
                    int vocab;
                    try (NDManager scope = base.newSubManager()) {
                        NDArray logits = g == 0 ? session.first(scope) : session.next(scope, nextTokens);
                        vocab = (int) logits.getShape().get(1);
                        logProbs = logits.toType(DataType.FLOAT32, false).logSoftmax(-1).toFloatArray();
                    }
                    for (int r = 0; r < rows; r++) {
                        process(logProbs, r * vocab, vocab, prefix[r / k], running[r], running[r].length);
                    }
                    boolean allHit = true;
                    boolean atMax = g + 1 >= maxNew;
                    long[] order = new long[rows];
                    long[] tokens = new long[rows];
                    long[][] nextRunning = new long[rows][];
                    float[] nextScores = new float[rows];
                    for (int b = 0; b < batch; b++) {
                        int[] top = topK(logProbs, runningScores, b, k, vocab, keep);
                        float[] topScores = new float[keep];
                        boolean[] hits = new boolean[keep];
                        for (int j = 0; j < keep; j++) {
                            int beam = top[j] / vocab;
                            int tok = top[j] % vocab;
                            topScores[j] = logProbs[(b * k + beam) * vocab + tok] + runningScores[b * k + beam];
                            hits[j] = tok == eos || atMax;
                            allHit &= hits[j];
                        }
                        // finished hypotheses: only among the top num_beams continuations
                        List<Hypothesis> fin = finished.get(b);
                        boolean full = fin.size() == k && config.earlyStopping() == EarlyStopping.EAGER;
                        if (unsatisfied[b] && !full) {
                            List<Hypothesis> merged = new ArrayList<>(fin);
                            float denominator = (float) Math.pow(g + 1, lp);
                            for (int j = 0; j < k; j++) {
                                if (hits[j]) {
                                    int beam = top[j] / vocab;
                                    long[] seq = append(running[b * k + beam], top[j] % vocab);
                                    merged.add(new Hypothesis(seq, topScores[j] / denominator));
                                }
                            }
                            merged.sort(Comparator.comparingDouble((Hypothesis h) -> h.score).reversed());
                            fin.clear();
                            fin.addAll(merged.subList(0, Math.min(k, merged.size())));
                        }
                        // running beams: the best num_beams continuations that did not finish
                        Integer[] idx = new Integer[keep];
                        for (int j = 0; j < keep; j++) {
                            idx[j] = j;
                        }
                        float[] runLp = new float[keep];
                        for (int j = 0; j < keep; j++) {
                            runLp[j] = hits[j] ? topScores[j] + NEG : topScores[j];
                        }
                        Arrays.sort(idx, (x, y) -> Float.compare(runLp[y], runLp[x]));
                        for (int i = 0; i < k; i++) {
                            int j = idx[i];
                            int beam = top[j] / vocab;
                            int row = b * k + i;
                            order[row] = (long) b * k + beam;
                            tokens[row] = top[j] % vocab;
                            nextRunning[row] = append(running[b * k + beam], top[j] % vocab);
                            nextScores[row] = runLp[j];
                        }
                    }
                    running = nextRunning;
                    runningScores = nextScores;
                    // can any batch item still improve on its finished hypotheses?
                    boolean anyUnsatisfied = false;
                    boolean allFull = true;
                    for (int b = 0; b < batch; b++) {
                        List<Hypothesis> fin = finished.get(b);
                        int bestLength = config.earlyStopping() == EarlyStopping.NEVER && lp > 0 ? maxNew : g + 1;
                        float best = runningScores[b * k] / (float) Math.pow(bestLength, lp);
                        float worst = NEG;
                        if (fin.size() == k) {
                            worst = Float.POSITIVE_INFINITY;
                            for (Hypothesis h : fin) {
                                worst = Math.min(worst, h.score);
                            }
                        } else {
                            allFull = false;
                        }
                        unsatisfied[b] &= best > worst;
                        anyUnsatisfied |= unsatisfied[b];
                    }
                    boolean goOn = anyUnsatisfied && !(allFull && config.earlyStopping() == EarlyStopping.EAGER) && !allHit;
                    if (!goOn) {
                        break;
                    }
                    session.reorder(order);
                    nextTokens = tokens;
                }
            }
            int n = config.numReturnSequences();
            List<long[]> out = new ArrayList<>();
            float[] scores = new float[batch * n];
            for (int b = 0; b < batch; b++) {
                List<Hypothesis> fin = finished.get(b);
                for (int j = 0; j < n; j++) {
                    Hypothesis h = fin.get(j);
                    out.add(h.tokens);
                    scores[b * n + j] = h.score;
                }
            }
            return result(out, scores, n);
        }

        /** Indices ({@code beam * vocab + token}) of the {@code keep} best accumulated scores of batch item {@code b}, best first. */
        private static int[] topK(float[] logProbs, float[] runningScores, int b, int k, int vocab, int keep) {
            // min-heap on (score, then larger index first out) so that ties prefer the lower index
            PriorityQueue<long[]> heap = new PriorityQueue<>(keep + 1, (x, y) -> {
                int c = Float.compare(Float.intBitsToFloat((int) x[0]), Float.intBitsToFloat((int) y[0]));
                return c != 0 ? c : Long.compare(y[1], x[1]);
            });
            for (int beam = 0; beam < k; beam++) {
                float base = runningScores[b * k + beam];
                int off = (b * k + beam) * vocab;
                for (int v = 0; v < vocab; v++) {
                    float s = logProbs[off + v] + base;
                    long[] item = {Float.floatToRawIntBits(s), (long) beam * vocab + v};
                    if (heap.size() < keep) {
                        heap.add(item);
                    } else {
                        long[] worst = heap.peek();
                        float w = Float.intBitsToFloat((int) worst[0]);
                        if (s > w || (s == w && item[1] < worst[1])) {
                            heap.poll();
                            heap.add(item);
                        }
                    }
                }
            }
            int[] out = new int[heap.size()];
            for (int i = out.length - 1; i >= 0; i--) {
                out[i] = (int) heap.poll()[1];
            }
            return out;
        }

        private static long[] append(long[] seq, long token) {
            long[] out = Arrays.copyOf(seq, seq.length + 1);
            out[seq.length] = token;
            return out;
        }

        private GenerationResult result(List<long[]> tokens, float[] scores, int perPrompt) {
            int longest = 0;
            for (int i = 0; i < tokens.size(); i++) {
                longest = Math.max(longest, prefix[i / perPrompt].length + tokens.get(i).length);
            }
            long[][] sequences = new long[tokens.size()][longest];
            for (int i = 0; i < tokens.size(); i++) {
                long[] p = prefix[i / perPrompt];
                long[] t = tokens.get(i);
                Arrays.fill(sequences[i], pad);
                System.arraycopy(p, 0, sequences[i], 0, p.length);
                System.arraycopy(t, 0, sequences[i], p.length, t.length);
            }
            return new GenerationResult(tokens, scores, sequences, perPrompt);
        }
    }
}
