package dev.mmpeft.eval.caption;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus BLEU-1..4 as pycocoevalcap's {@code Bleu(4)} computes it on tokenised captions: clipped
 * n-gram matches summed over the corpus, the effective reference length of each caption the
 * closest reference length (the shorter on a tie), one brevity penalty for the corpus, and the
 * script's smoothing constants (1e-15 on matches, 1e-9 on guesses), so an order without any
 * match scores about zero rather than failing.
 */
public final class Bleu {
    private static final double SMALL = 1e-9;
    private static final double TINY = 1e-15;

    private Bleu() {}

    /** The result: corpus scores for n = 1..max and each caption's own scores. */
    public record Result(List<Double> corpus, Map<String, List<Double>> perCaption) {}

    /**
     * Scores tokenised candidates (one per id) against tokenised references (one or more per id),
     * up to n-grams of order {@code maxN}, iterating the ids in the order of {@code references}.
     */
    public static Result compute(Map<String, List<String>> references, Map<String, String> candidates, int maxN) {
        long testLenTotal = 0;
        long refLenTotal = 0;
        long[] guessTotal = new long[maxN];
        long[] correctTotal = new long[maxN];
        Map<String, List<Double>> perCaption = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : references.entrySet()) {
            List<String> test = NGrams.words(candidates.get(e.getKey()));
            int testLen = test.size();
            Map<String, Integer> maxRefCounts = new HashMap<>();
            int refLen = -1;
            for (String ref : e.getValue()) {
                List<String> words = NGrams.words(ref);
                for (Map.Entry<String, Integer> c : NGrams.count(words, maxN).entrySet()) {
                    maxRefCounts.merge(c.getKey(), c.getValue(), Math::max);
                }
                // "closest": the reference length nearest the candidate's, the shorter on a tie.
                int l = words.size();
                if (refLen < 0
                        || Math.abs(l - testLen) < Math.abs(refLen - testLen)
                        || (Math.abs(l - testLen) == Math.abs(refLen - testLen) && l < refLen)) {
                    refLen = l;
                }
            }
            long[] guess = new long[maxN];
            long[] correct = new long[maxN];
            for (int k = 0; k < maxN; k++) {
                guess[k] = Math.max(0, testLen - k);
            }
            for (Map.Entry<String, Integer> c : NGrams.count(test, maxN).entrySet()) {
                correct[NGrams.order(c.getKey()) - 1] += Math.min(maxRefCounts.getOrDefault(c.getKey(), 0), c.getValue());
            }
            testLenTotal += testLen;
            refLenTotal += refLen;
            for (int k = 0; k < maxN; k++) {
                guessTotal[k] += guess[k];
                correctTotal[k] += correct[k];
            }
            perCaption.put(e.getKey(), scores(correct, guess, testLen, refLen, maxN));
        }
        return new Result(scores(correctTotal, guessTotal, testLenTotal, refLenTotal, maxN), perCaption);
    }

    private static List<Double> scores(long[] correct, long[] guess, long testLen, long refLen, int maxN) {
        List<Double> out = new ArrayList<>(maxN);
        double product = 1.0;
        for (int k = 0; k < maxN; k++) {
            product *= (correct[k] + TINY) / (guess[k] + SMALL);
            out.add(Math.pow(product, 1.0 / (k + 1)));
        }
        double ratio = (testLen + TINY) / (refLen + SMALL);
        if (ratio < 1) {
            double penalty = Math.exp(1 - 1 / ratio);
            out.replaceAll(b -> b * penalty);
        }
        return out;
    }
}
