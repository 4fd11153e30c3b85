package dev.mmpeft.models.nn;

import java.util.ArrayList;
import java.util.List;

/**
 * The tokens a decoding session has fed so far, one array of one token per row for each step. Why:
 * a session without a KV cache feeds its whole history again at every step, and beam search or
 * dropped finished rows move rows around in it; T5's and LLaMA's sessions keep it the same way.
 */
public final class TokenHistory {
    private final List<long[]> steps = new ArrayList<>();

    /** Appends one step: a token per row. */
    public void append(long[] tokens) {
        steps.add(tokens.clone());
    }

    /** The number of steps fed. */
    public int length() {
        return steps.size();
    }

    /** Every step's tokens laid out row by row: {@code [rows, length()]} in row-major order. */
    public long[] rowMajor(int rows) {
        int length = steps.size();
        long[] all = new long[rows * length];
        for (int t = 0; t < length; t++) {
            long[] step = steps.get(t);
            for (int r = 0; r < rows; r++) {
                all[r * length + t] = step[r];
            }
        }
        return all;
    }

    /** Row {@code i} continues as former row {@code order[i]}; there are {@code order.length} rows from now on. */
    public void select(long[] order) {
        for (int t = 0; t < steps.size(); t++) {
            long[] step = steps.get(t);
            long[] moved = new long[order.length];
            for (int r = 0; r < order.length; r++) {
                moved[r] = step[(int) order[r]];
            }
            steps.set(t, moved);
        }
    }
}
