package dev.mmpeft.models.llava;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.llama.LlamaModel;
import dev.mmpeft.models.nn.Losses;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Candidate scoring for LLaVA with the definition InstructBLIP's decoder-only scoring uses (LAVIS's
 * {@code predict_class}), so that evaluations rank the same way across families: for each example
 * and candidate the sequence is the prompt's real tokens (image features in place), the
 * candidate's tokens without its leading BOS, then the prompt's padding; only candidate tokens are
 * labelled; the score is the summed token loss divided by {@code sequence length - 1} (the same
 * divisor for every candidate of an example, so it ranks as the summed loss does). Lower is better.
 *
 * <p>Why not {@code CandidateScorer} itself: there the image is a prefix before the prompt, while
 * LLaVA's image tokens sit inside the prompt ("USER: &lt;image&gt;\n..."), so each repeated row
 * needs its own copy of its image's features scattered into it.
 */
final class LlavaScoring {
    private LlavaScoring() {}

    static CandidateScores score(Llava model, @Nullable NDArray features, NDArray ids, NDArray mask, List<long[]> candidates) {
        if (candidates.isEmpty()) {
            throw new MmpeftException("candidate scoring: no candidates given");
        }
        for (int i = 0; i < candidates.size(); i++) {
            if (candidates.get(i).length < 2) {
                throw new MmpeftException("candidate scoring: candidate " + i + " has " + candidates.get(i).length
                        + " tokens; expected at least 2 (BOS and a token)");
            }
        }
        Rows rows = new Rows(ids.toLongArray(), mask.toLongArray(), (int) ids.getShape().get(0), model.config().imageTokenId(), candidates,
                model.languageModel().padTokenId().orElse(0));
        long featureRows = features == null ? 0 : features.getShape().get(0) * features.getShape().get(1);
        if (rows.imageTokens > 0 && rows.imageTokens != featureRows) {
            // the same check and message as the forward pass
            model.inputEmbeddings(features, ids);
        }
        int n = candidates.size();
        int batch = rows.batch;
        try (NDManager scope = ids.getManager().newSubManager()) {
            Shape shape = new Shape((long) batch * n, rows.rowLength);
            NDArray rowFeatures = null;
            if (rows.imageTokens > 0) {
                long hidden = features.getShape().get(2);
                long[] featureIndex = rows.featureIndex;
                NDArray index = scope.create(featureIndex, new Shape(featureIndex.length, 1)).broadcast(new Shape(featureIndex.length, hidden));
                rowFeatures = features.reshape(featureRows, hidden).gather(index, 0).reshape(featureIndex.length, 1, hidden);
                rowFeatures.attach(scope);
            }
            NDArray embeds = model.inputEmbeddings(rowFeatures, scope.create(rows.ids, shape));
            LlamaModel lm = model.languageModel();
            NDArray logits = lm.forward(embeds, scope.create(rows.mask, shape), null, null, null).logits();
            NDArray labels = scope.create(rows.labels, shape);
            NDArray tokenLosses = Losses.tokenCrossEntropy(logits.get(":, :-1, :"), labels.get(":, 1:"));
            float[] perRow = tokenLosses.sum(new int[] {1}).div((float) (rows.rowLength - 1)).toFloatArray();
            float[][] out = new float[batch][n];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(perRow, b * n, out[b], 0, n);
            }
            return CandidateScores.of(out);
        }
    }

    /**
     * The scoring rows, example-major: prompt's real tokens, candidate tokens after BOS (padded to
     * the longest candidate), the prompt's padding; labels on candidate tokens only; and which
     * image feature (of the flattened batch features) fills each image token of each row.
     */
    private static final class Rows {
        final int batch;
        final int rowLength;
        final int imageTokens;
        final long[] ids;
        final long[] mask;
        final long[] labels;
        final long[] featureIndex;

        Rows(long[] p, long[] pm, int batch, long imageToken, List<long[]> candidates, long fill) {
            this.batch = batch;
            int promptLength = p.length / batch;
            int n = candidates.size();
            int width = candidates.stream().mapToInt(c -> c.length).max().orElseThrow();
            this.rowLength = promptLength + width - 1;
            int[] firstFeature = new int[batch];
            int[] perRow = new int[batch];
            int total = 0;
            for (int b = 0; b < batch; b++) {
                firstFeature[b] = total;
                for (int t = 0; t < promptLength; t++) {
                    if (t > 0 && pm[b * promptLength + t] != 0 && pm[b * promptLength + t - 1] == 0) {
                        throw new MmpeftException("attention_mask: row " + b + " is not right-padded; candidate scoring reads prompts padded on the right");
                    }
                    perRow[b] += p[b * promptLength + t] == imageToken ? 1 : 0;
                }
                total += perRow[b];
            }
            this.imageTokens = total;
            this.ids = new long[batch * n * rowLength];
            this.mask = new long[batch * n * rowLength];
            this.labels = new long[batch * n * rowLength];
            this.featureIndex = new long[n * total];
            int f = 0;
            for (int b = 0; b < batch; b++) {
                int real = 0;
                for (int t = 0; t < promptLength; t++) {
                    real += pm[b * promptLength + t] != 0 ? 1 : 0;
                }
                for (int c = 0; c < n; c++) {
                    long[] cand = candidates.get(c);
                    int k = (b * n + c) * rowLength;
                    k = put(p, pm, b * promptLength, b * promptLength + real, k);
                    for (int t = 1; t < width; t++, k++) {
                        boolean present = t < cand.length;
                        ids[k] = present ? cand[t] : fill;
                        mask[k] = present ? 1 : 0;
                        labels[k] = present ? cand[t] : Losses.IGNORE_INDEX;
                    }
                    put(p, pm, b * promptLength + real, (b + 1) * promptLength, k);
                    // this row's copy of its image's features, in the order its image tokens come
                    for (int i = 0; i < perRow[b]; i++) {
                        featureIndex[f++] = firstFeature[b] + i;
                    }
                }
            }
        }

        /** Copies prompt positions {@code [from, to)} unlabelled to row position {@code k}; returns the next position. */
        private int put(long[] p, long[] pm, int from, int to, int k) {
            for (int t = from; t < to; t++, k++) {
                ids[k] = p[t];
                mask[k] = pm[t];
                labels[k] = Losses.IGNORE_INDEX;
            }
            return k;
        }
    }
}
