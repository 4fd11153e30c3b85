package dev.mmpeft.models.generation;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Per example, one loss per answer candidate (lower is better) and the candidates ranked by it,
 * as LAVIS's {@code predict_class} returns {@code argsort(losses)}.
 */
public final class CandidateScores {
    private final float[][] losses;

    CandidateScores(float[][] losses) {
        this.losses = Arrays.stream(losses).map(float[]::clone).toArray(float[][]::new);
    }

    /**
     * Scores from per-example candidate losses ({@code losses[example][candidate]}, copied), for
     * model families that compute them their own way (LLaVA's image tokens sit inside the prompt).
     */
    public static CandidateScores of(float[][] losses) {
        return new CandidateScores(losses);
    }

    /** Number of examples. */
    public int examples() {
        return losses.length;
    }

    /** Number of candidates per example. */
    public int candidates() {
        return losses.length == 0 ? 0 : losses[0].length;
    }

    /** The loss of candidate {@code c} for example {@code b}. */
    public float loss(int b, int c) {
        return losses[b][c];
    }

    /** All losses of example {@code b}. */
    public float[] losses(int b) {
        return losses[b].clone();
    }

    /** Candidate indices of example {@code b}, best (lowest loss) first; ties keep candidate order. */
    public int[] ranking(int b) {
        float[] l = losses[b];
        return IntStream.range(0, l.length).boxed().sorted(Comparator.comparingDouble(i -> l[i])).mapToInt(Integer::intValue).toArray();
    }

    /** The best candidate of example {@code b}. */
    public int best(int b) {
        return ranking(b)[0];
    }
}
