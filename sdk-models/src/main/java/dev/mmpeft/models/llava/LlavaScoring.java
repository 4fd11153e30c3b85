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
        int batch = (int) ids.getShape().get(0);
        int promptLength = (int) ids.getShape().get(1);
        long[] p = ids.toLongArray();
        long[] pm = mask.toLongArray();
        long imageToken = model.config().imageTokenId();
        int[] firstFeature = new int[batch];
        int[] imageTokens = new int[batch];
        int total = 0;
        for (int b = 0; b < batch; b++) {
            firstFeature[b] = total;
            for (int t = 0; t < promptLength; t++) {
                if (t > 0 && pm[b * promptLength + t] != 0 && pm[b * promptLength + t - 1] == 0) {
                    throw new MmpeftException("attention_mask: row " + b + " is not right-padded; candidate scoring reads prompts padded on the right");
                }
                if (p[b * promptLength + t] == imageToken) {
                    imageTokens[b]++;
                }
            }
            total += imageTokens[b];
        }
        long featureRows = features == null ? 0 : features.getShape().get(0) * features.getShape().get(1);
        if (total > 0 && total != featureRows) {
            // the same check and message as the forward pass
            model.inputEmbeddings(features, ids);
        }
        int n = candidates.size();
        int width = candidates.stream().mapToInt(c -> c.length).max().orElseThrow();
        int rowLength = promptLength + width - 1;
        long fill = model.languageModel().padTokenId().orElse(0);
        long[] rowIds = new long[batch * n * rowLength];
        long[] rowMask = new long[batch * n * rowLength];
        long[] labels = new long[batch * n * rowLength];
        long[] featureIndex = new long[n * total];
        int f = 0;
        for (int b = 0; b < batch; b++) {
            int real = 0;
            for (int t = 0; t < promptLength; t++) {
                real += pm[b * promptLength + t] != 0 ? 1 : 0;
            }
            for (int c = 0; c < n; c++) {
                long[] cand = candidates.get(c);
                int base = (b * n + c) * rowLength;
                int k = 0;
                for (int t = 0; t < real; t++, k++) {
                    rowIds[base + k] = p[b * promptLength + t];
                    rowMask[base + k] = pm[b * promptLength + t];
                    labels[base + k] = Losses.IGNORE_INDEX;
                }
                for (int t = 1; t < width; t++, k++) {
                    boolean present = t < cand.length;
                    rowIds[base + k] = present ? cand[t] : fill;
                    rowMask[base + k] = present ? 1 : 0;
                    labels[base + k] = present ? cand[t] : Losses.IGNORE_INDEX;
                }
                for (int t = real; t < promptLength; t++, k++) {
                    rowIds[base + k] = p[b * promptLength + t];
                    rowMask[base + k] = pm[b * promptLength + t];
                    labels[base + k] = Losses.IGNORE_INDEX;
                }
                // this row's copy of its image features, in the order its image tokens come
                for (int i = 0; i < imageTokens[b]; i++) {
                    featureIndex[f++] = firstFeature[b] + i;
                }
            }
        }
        try (NDManager scope = ids.getManager().newSubManager()) {
            NDArray rows = scope.create(rowIds, new Shape((long) batch * n, rowLength));
            NDArray rowFeatures = null;
            if (total > 0) {
                long hidden = features.getShape().get(2);
                NDArray flat = features.reshape(featureRows, hidden);
                NDArray index = scope.create(featureIndex, new Shape(featureIndex.length, 1)).broadcast(new Shape(featureIndex.length, hidden));
                rowFeatures = flat.gather(index, 0).reshape(featureIndex.length, 1, hidden);
                rowFeatures.attach(scope);
            }
            NDArray embeds = model.inputEmbeddings(rowFeatures, rows);
            NDArray maskArray = scope.create(rowMask, new Shape((long) batch * n, rowLength));
            NDArray labelArray = scope.create(labels, new Shape((long) batch * n, rowLength));
            LlamaModel lm = model.languageModel();
            NDArray logits = lm.forward(embeds, maskArray, null, null, null).logits();
            NDArray tokenLosses = Losses.tokenCrossEntropy(logits.get(":, :-1, :"), labelArray.get(":, 1:"));
            float[] perRow = tokenLosses.sum(new int[] {1}).div((float) (rowLength - 1)).toFloatArray();
            float[][] out = new float[batch][n];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(perRow, b * n, out[b], 0, n);
            }
            return CandidateScores.of(out);
        }
    }
}
