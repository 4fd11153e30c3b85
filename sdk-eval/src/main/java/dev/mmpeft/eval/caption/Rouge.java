package dev.mmpeft.eval.caption;

import dev.mmpeft.eval.internal.PyText;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ROUGE on tokenised captions. ROUGE-L is pycocoevalcap's: the longest common subsequence of
 * tokens (split on single spaces, as the script does) against each reference, the best
 * precision and the best recall over the references, combined as an F-measure with
 * beta = 1.2, averaged over the captions (and, for PETAL's tables, the same with beta = 1:
 * ROUGE-L F1). ROUGE-1 (which pycocoevalcap lacks; the PETAL paper
 * reports its F1 and recall) counts clipped unigram overlap with each reference and keeps the
 * reference with the best F1 (the first on a tie), as Google's rouge-score does for several
 * references.
 */
public final class Rouge {
    /** pycocoevalcap's beta: recall weighs 1.2 times precision. */
    public static final double BETA = 1.2;

    private Rouge() {}

    /** Mean scores and each caption's own. */
    public record Result(
            double rougeL,
            double rougeLF1,
            double rougeLRecall,
            double rouge1F1,
            double rouge1Recall,
            Map<String, Double> rougeLPerCaption,
            Map<String, Double> rouge1F1PerCaption) {}

    /** Scores tokenised candidates against tokenised references, ids in the order of {@code references}. */
    public static Result compute(Map<String, List<String>> references, Map<String, String> candidates) {
        Map<String, Double> lPer = new LinkedHashMap<>();
        Map<String, Double> oneF1Per = new LinkedHashMap<>();
        double lRecallSum = 0;
        double lF1Sum = 0;
        double oneRecallSum = 0;
        for (Map.Entry<String, List<String>> e : references.entrySet()) {
            String candidate = candidates.get(e.getKey());
            double[] l = rougeL(candidate, e.getValue());
            lPer.put(e.getKey(), l[0]);
            lRecallSum += l[1];
            lF1Sum += l[2];
            double[] one = rouge1(candidate, e.getValue());
            oneF1Per.put(e.getKey(), one[0]);
            oneRecallSum += one[1];
        }
        int n = references.size();
        return new Result(
                mean(lPer), lF1Sum / n, lRecallSum / n, mean(oneF1Per), oneRecallSum / n, lPer, oneF1Per);
    }

    /**
     * ROUGE-L of one candidate: {F(beta), best recall, F1}. F1 combines the same best precision
     * and best recall with beta = 1, the ROUGE-L F1 PETAL's tables print next to the recall.
     */
    static double[] rougeL(String candidate, List<String> refs) {
        List<String> c = PyText.split(candidate, " ");
        double precMax = 0;
        double recMax = 0;
        for (String ref : refs) {
            List<String> r = PyText.split(ref, " ");
            int lcs = lcs(r, c);
            precMax = Math.max(precMax, lcs / (double) c.size());
            recMax = Math.max(recMax, lcs / (double) r.size());
        }
        double score = 0.0;
        if (precMax != 0 && recMax != 0) {
            score = ((1 + BETA * BETA) * precMax * recMax) / (recMax + BETA * BETA * precMax);
        }
        double f1 = precMax + recMax > 0 ? 2 * precMax * recMax / (precMax + recMax) : 0.0;
        return new double[] {score, recMax, f1};
    }

    /** ROUGE-1 of one candidate: {F1, recall} of the reference with the best F1. */
    static double[] rouge1(String candidate, List<String> refs) {
        List<String> c = PyText.split(candidate);
        Map<String, Integer> cc = unigrams(c);
        double bestF = -1;
        double bestR = 0;
        for (String ref : refs) {
            List<String> r = PyText.split(ref);
            Map<String, Integer> rc = unigrams(r);
            int overlap = 0;
            for (Map.Entry<String, Integer> e : cc.entrySet()) {
                overlap += Math.min(e.getValue(), rc.getOrDefault(e.getKey(), 0));
            }
            double p = c.isEmpty() ? 0 : overlap / (double) c.size();
            double rec = r.isEmpty() ? 0 : overlap / (double) r.size();
            double f = p + rec > 0 ? 2 * p * rec / (p + rec) : 0;
            if (f > bestF) {
                bestF = f;
                bestR = rec;
            }
        }
        return new double[] {Math.max(bestF, 0), bestR};
    }

    /** Length of the longest common subsequence of two token lists. */
    static int lcs(List<String> a, List<String> b) {
        int[] prev = new int[b.size() + 1];
        int[] cur = new int[b.size() + 1];
        for (int i = 1; i <= a.size(); i++) {
            for (int j = 1; j <= b.size(); j++) {
                cur[j] = a.get(i - 1).equals(b.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.size()];
    }

    private static Map<String, Integer> unigrams(List<String> words) {
        Map<String, Integer> m = new HashMap<>();
        for (String w : words) {
            m.merge(w, 1, Integer::sum);
        }
        return m;
    }

    private static double mean(Map<String, Double> values) {
        double s = 0;
        for (double v : values.values()) {
            s += v;
        }
        return s / values.size();
    }
}
