package dev.mmpeft.models.generation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.models.LanguageModel;
import dev.mmpeft.models.nn.Losses;
import dev.mmpeft.models.t5.T5Model;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Ranks answer candidates by the language model's loss on them, as LAVIS's InstructBLIP
 * {@code predict_class} does for multiple-choice evaluation.
 *
 * <p>Encoder-decoder (blip2_t5_instruct): the encoder reads {@code [prefix; prompt]} once; each
 * candidate (its T5 tokens, EOS included) is the decoder's labels, padding ignored; the score is
 * the <em>summed</em> token cross-entropy.
 *
 * <p>Decoder-only (blip2_vicuna_instruct): for each example and candidate the sequence is the
 * prompt's tokens, then the candidate's tokens without its first (the BOS the LLaMA tokenizer
 * adds), then the prompt's padding, after the prefix; only candidate tokens are labelled; the
 * score is LAVIS's {@code reduction="none"} loss, the token losses <em>averaged over all shifted
 * positions</em> of the sequence (unlabelled ones counting zero), i.e. the summed candidate loss
 * divided by {@code sequence length - 1}. That divisor is the same for every candidate of an
 * example, so the ranking equals the ranking by summed loss, as in LAVIS.
 */
public final class CandidateScorer {
    private CandidateScorer() {}

    /**
     * Scores every candidate for every example.
     *
     * @param prefixEmbeds {@code [batch, q, hidden]} put before the prompt (InstructBLIP's projected
     *     queries), or null
     * @param prefixMask {@code [batch, q]}, or null for all ones
     * @param promptIds {@code [batch, p]}, right-padded (LAVIS pads prompts on the right here)
     * @param promptMask {@code [batch, p]}
     * @param candidates token ids of each candidate as the model's tokenizer returns them (T5: ending
     *     with EOS; LLaMA: starting with BOS); shared by all examples
     */
    public static CandidateScores score(
            LanguageModel model,
            @Nullable NDArray prefixEmbeds,
            @Nullable NDArray prefixMask,
            NDArray promptIds,
            NDArray promptMask,
            List<long[]> candidates) {
        if (candidates.isEmpty()) {
            throw new MmpeftException("candidate scoring: no candidates given");
        }
        for (int i = 0; i < candidates.size(); i++) {
            if (candidates.get(i).length < (model.isEncoderDecoder() ? 1 : 2)) {
                throw new MmpeftException("candidate scoring: candidate " + i + " has " + candidates.get(i).length
                        + " tokens; expected at least " + (model.isEncoderDecoder() ? "1" : "2 (BOS and a token)"));
            }
        }
        try (NDManager scope = promptIds.getManager().newSubManager()) {
            NDArray ids = promptIds.toType(DataType.INT64, true);
            ids.attach(scope);
            NDArray pmask = promptMask.toType(DataType.INT64, true);
            pmask.attach(scope);
            return model.isEncoderDecoder()
                    ? encoderDecoder(model, scope, prefixEmbeds, prefixMask, ids, pmask, candidates)
                    : decoderOnly(model, scope, prefixEmbeds, prefixMask, ids, pmask, candidates);
        }
    }

    private static CandidateScores encoderDecoder(
            LanguageModel model, NDManager scope, @Nullable NDArray prefix, @Nullable NDArray prefixMask,
            NDArray promptIds, NDArray promptMask, List<long[]> candidates) {
        int batch = (int) promptIds.getShape().get(0);
        int n = candidates.size();
        int width = candidates.stream().mapToInt(c -> c.length).max().orElseThrow();
        long[] labels = new long[batch * n * width];
        long[] mask = new long[batch * n * width];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < n; c++) {
                long[] cand = candidates.get(c);
                for (int t = 0; t < width; t++) {
                    int at = (b * n + c) * width + t;
                    labels[at] = t < cand.length ? cand[t] : Losses.IGNORE_INDEX;
                    mask[at] = t < cand.length ? 1 : 0;
                }
            }
        }
        NDArray[] encoderInput = encoderInput(model, scope, prefix, prefixMask, promptIds, promptMask);
        NDArray labelArray = scope.create(labels, new Shape(batch * n, width));
        NDArray maskArray = scope.create(mask, new Shape(batch * n, width));
        NDArray logits;
        if (model instanceof T5Model) {
            T5Model t5 = (T5Model) model;
            NDArray encoded = t5.encode(encoderInput[0], encoderInput[1]);
            logits = t5.decode(t5.shiftRight(labelArray), maskArray, encoded.repeat(0, n), encoderInput[1].repeat(0, n));
        } else {
            logits = model.forward(encoderInput[0].repeat(0, n), encoderInput[1].repeat(0, n), null, maskArray, labelArray).logits();
        }
        float[] perRow = Losses.tokenCrossEntropy(logits, labelArray).sum(new int[] {1}).toFloatArray();
        return new CandidateScores(reshape(perRow, batch, n));
    }

    private static NDArray[] encoderInput(
            LanguageModel model, NDManager scope, @Nullable NDArray prefix, @Nullable NDArray prefixMask,
            NDArray promptIds, NDArray promptMask) {
        NDArray embeds = model.embedTokens(promptIds);
        NDArray mask = promptMask;
        if (prefix != null) {
            NDArray pm = prefixMask != null
                    ? prefixMask.toType(DataType.INT64, false)
                    : scope.ones(new Shape(prefix.getShape().get(0), prefix.getShape().get(1)), DataType.INT64);
            embeds = NDArrays.concat(new NDList(prefix, embeds), 1);
            embeds.attach(scope);
            mask = NDArrays.concat(new NDList(pm, promptMask), 1);
            mask.attach(scope);
        }
        return new NDArray[] {embeds, mask};
    }

    private static CandidateScores decoderOnly(
            LanguageModel model, NDManager scope, @Nullable NDArray prefix, @Nullable NDArray prefixMask,
            NDArray promptIds, NDArray promptMask, List<long[]> candidates) {
        int batch = (int) promptIds.getShape().get(0);
        int promptLength = (int) promptIds.getShape().get(1);
        int n = candidates.size();
        int width = candidates.stream().mapToInt(c -> c.length).max().orElseThrow();
        int rowLength = promptLength + width - 1;
        long fill = model.padTokenId().orElse(0);
        long[] p = promptIds.toLongArray();
        long[] pm = promptMask.toLongArray();
        long[] ids = new long[batch * n * rowLength];
        long[] mask = new long[batch * n * rowLength];
        long[] labels = new long[batch * n * rowLength];
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
                    ids[base + k] = p[b * promptLength + t];
                    mask[base + k] = pm[b * promptLength + t];
                    labels[base + k] = Losses.IGNORE_INDEX;
                }
                for (int t = 1; t < width; t++, k++) {
                    boolean present = t < cand.length;
                    ids[base + k] = present ? cand[t] : fill;
                    mask[base + k] = present ? 1 : 0;
                    labels[base + k] = present ? cand[t] : Losses.IGNORE_INDEX;
                }
                for (int t = real; t < promptLength; t++, k++) {
                    ids[base + k] = p[b * promptLength + t];
                    mask[base + k] = pm[b * promptLength + t];
                    labels[base + k] = Losses.IGNORE_INDEX;
                }
            }
        }
        NDArray idArray = scope.create(ids, new Shape(batch * n, rowLength));
        NDArray embeds = model.embedTokens(idArray);
        NDArray maskArray = scope.create(mask, new Shape(batch * n, rowLength));
        NDArray labelArray = scope.create(labels, new Shape(batch * n, rowLength));
        if (prefix != null) {
            long q = prefix.getShape().get(1);
            NDArray pre = prefix.repeat(0, n);
            pre.attach(scope);
            NDArray preMask = prefixMask != null
                    ? prefixMask.toType(DataType.INT64, false).repeat(0, n)
                    : scope.ones(new Shape(batch * n, q), DataType.INT64);
            preMask.attach(scope);
            embeds = NDArrays.concat(new NDList(pre, embeds), 1);
            maskArray = NDArrays.concat(new NDList(preMask, maskArray), 1);
            labelArray = NDArrays.concat(new NDList(scope.full(new Shape(batch * n, q), Losses.IGNORE_INDEX, DataType.INT64), labelArray), 1);
        }
        NDArray logits = model.forward(embeds, maskArray, null, null, null).logits();
        long positions = logits.getShape().get(1);
        NDArray tokenLosses = Losses.tokenCrossEntropy(logits.get(":, :-1, :"), labelArray.get(":, 1:"));
        float[] perRow = tokenLosses.sum(new int[] {1}).div((float) (positions - 1)).toFloatArray();
        return new CandidateScores(reshape(perRow, batch, n));
    }

    private static float[][] reshape(float[] flat, int batch, int n) {
        float[][] out = new float[batch][n];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(flat, b * n, out[b], 0, n);
        }
        return out;
    }
}
