package dev.mmpeft.models.lavin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.nn.Losses;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Candidate scoring for LaVIN with the definition InstructBLIP-LLaMA and LLaVA use (LAVIS's
 * {@code predict_class}): per example and candidate, the row is the prompt's real tokens (visual
 * tokens in place), the candidate's tokens without their leading BOS, then the prompt's padding;
 * only candidate tokens are labelled; the score is the summed token loss over
 * {@code row length - 1}, the same divisor for every candidate of an example. Lower is better.
 * Each row gets its example's modality token and its own copy of the example's visual tokens.
 */
final class LavinScoring {
    private LavinScoring() {}

    static CandidateScores score(Lavin model, @Nullable NDArray features, NDArray ids, NDArray mask, List<long[]> candidates) {
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
        long featureRows = features == null ? 0 : features.getShape().get(0) * features.getShape().get(1);
        if (total != featureRows) {
            // the same check and message as the forward pass
            model.withModalityToken(features, ids);
        }
        int n = candidates.size();
        int width = candidates.stream().mapToInt(c -> c.length).max().orElseThrow();
        int rowLength = promptLength + width - 1;
        long fill = model.languageModel().padTokenId().orElse(0);
        long[] rowIds = new long[batch * n * rowLength];
        long[] rowMask = new long[rowIds.length];
        long[] labels = new long[rowIds.length];
        long[] featureIndex = new long[n * total];
        int f = 0;
        for (int b = 0; b < batch; b++) {
            int real = 0;
            for (int t = 0; t < promptLength; t++) {
                real += pm[b * promptLength + t] != 0 ? 1 : 0;
            }
            for (int c = 0; c < n; c++) {
                long[] cand = candidates.get(c);
                int k = (b * n + c) * rowLength;
                for (int t = 0; t < real; t++, k++) {
                    rowIds[k] = p[b * promptLength + t];
                    rowMask[k] = 1;
                    labels[k] = Losses.IGNORE_INDEX;
                }
                for (int t = 1; t < width; t++, k++) {
                    boolean present = t < cand.length;
                    rowIds[k] = present ? cand[t] : fill;
                    rowMask[k] = present ? 1 : 0;
                    labels[k] = present ? cand[t] : Losses.IGNORE_INDEX;
                }
                for (int t = real; t < promptLength; t++, k++) {
                    rowIds[k] = p[b * promptLength + t];
                    rowMask[k] = 0;
                    labels[k] = Losses.IGNORE_INDEX;
                }
                for (int i = 0; i < perRow[b]; i++) {
                    featureIndex[f++] = firstFeature[b] + i;
                }
            }
        }
        try (NDManager scope = ids.getManager().newSubManager()) {
            Shape shape = new Shape((long) batch * n, rowLength);
            NDArray rowFeatures = null;
            if (total > 0) {
                long hidden = features.getShape().get(2);
                NDArray index = scope.create(featureIndex, new Shape(featureIndex.length, 1)).broadcast(new Shape(featureIndex.length, hidden));
                rowFeatures = features.reshape(featureRows, hidden).gather(index, 0).reshape(featureIndex.length, 1, hidden);
                rowFeatures.attach(scope);
            }
            LavinInputs rows = LavinInputs.builder().inputIds(scope.create(rowIds, shape)).attentionMask(scope.create(rowMask, shape)).build();
            NDArray embeds = model.withModalityToken(rowFeatures, rows.inputIds());
            NDArray fullMask = scope.ones(new Shape((long) batch * n, 1), ai.djl.ndarray.types.DataType.INT64)
                    .concat(rows.attentionMask().orElseThrow(), 1);
            NDArray logits = model.languageModel().forward(embeds, fullMask, null, null, null).logits().get(":, 1:, :");
            NDArray tokenLosses = Losses.tokenCrossEntropy(logits.get(":, :-1, :"), scope.create(labels, shape).get(":, 1:"));
            float[] perRowLoss = tokenLosses.sum(new int[] {1}).div((float) (rowLength - 1)).toFloatArray();
            float[][] out = new float[batch][n];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(perRowLoss, b * n, out[b], 0, n);
            }
            return CandidateScores.of(out);
        }
    }
}
