package dev.mmpeft.models.processing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mmpeft.models.nn.Losses;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Training rows of a decoder-only language model (LLaVA, LaVIN): each row is
 * {@code [prompt ids, target ids, EOS]}, right-padded to the batch's longest row, labelled on the
 * target and EOS only ({@link Losses#IGNORE_INDEX} on the prompt and the padding), as
 * transformers' causal-LM loss reads them. Why one class: the families build the same rows from
 * their own prompt ids, and the trainer needs each row's length before building any batch.
 *
 * @param padded the rows, right-padded, with their attention mask
 * @param labels the labels aligned with {@code padded}'s ids
 */
public record CausalLmSequences(Padded padded, long[][] labels) {
    /** The length of the row of {@code prompt} and {@code target} ids (EOS included). */
    public static int length(long[] prompt, long[] target) {
        return prompt.length + target.length + 1;
    }

    /**
     * The rows of a batch.
     *
     * @param prompts each example's prompt ids (special tokens included as the family wants them)
     * @param targets each example's target ids (no BOS)
     */
    public static CausalLmSequences of(List<long[]> prompts, List<long[]> targets, long eosId, long padId) {
        List<long[]> rows = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            long[] in = prompts.get(i);
            long[] body = targets.get(i);
            long[] row = Arrays.copyOf(in, length(in, body));
            System.arraycopy(body, 0, row, in.length, body.length);
            row[row.length - 1] = eosId;
            rows.add(row);
        }
        Padded padded = Padded.of(rows, padId, TextTokenizer.Side.RIGHT);
        long[][] labels = new long[rows.size()][];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = padded.ids()[i].clone();
            for (int j = 0; j < labels[i].length; j++) {
                if (j < prompts.get(i).length || padded.mask()[i][j] == 0) {
                    labels[i][j] = Losses.IGNORE_INDEX;
                }
            }
        }
        return new CausalLmSequences(padded, labels);
    }

    /** The labels as an array in {@code manager}. */
    public NDArray labelsArray(NDManager manager) {
        return manager.create(labels);
    }
}
