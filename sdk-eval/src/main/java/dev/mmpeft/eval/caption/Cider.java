package dev.mmpeft.eval.caption;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CIDEr-D as pycocoevalcap's {@code Cider} computes it on tokenised captions: tf-idf vectors of
 * 1- to 4-grams with document frequencies counted over the reference corpus (an n-gram counts once
 * per image) and idf {@code log(#images) - log(max(1, df))}; for each order, the cosine of the
 * candidate against each reference with the candidate's weights clipped to the reference's, times
 * a Gaussian length penalty with sigma 6 (lengths counted in bigrams, as the script does); the mean
 * over orders, averaged over the references, times 10.
 */
public final class Cider {
    /** pycocoevalcap's defaults. */
    public static final int N = 4;

    public static final double SIGMA = 6.0;

    private Cider() {}

    /** The corpus score (mean over captions) and each caption's score. */
    public record Result(double score, Map<String, Double> perCaption) {}

    /** Scores tokenised candidates against tokenised references, ids in the order of {@code references}. */
    public static Result compute(Map<String, List<String>> references, Map<String, String> candidates) {
        List<List<Map<String, Integer>>> refCounts = new ArrayList<>();
        Map<String, Double> documentFrequency = new HashMap<>();
        for (List<String> refs : references.values()) {
            List<Map<String, Integer>> counts = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (String ref : refs) {
                Map<String, Integer> c = NGrams.count(NGrams.words(ref), N);
                counts.add(c);
                seen.addAll(c.keySet());
            }
            for (String ngram : seen) {
                documentFrequency.merge(ngram, 1.0, Double::sum);
            }
            refCounts.add(counts);
        }
        double refLen = Math.log(references.size());
        Map<String, Double> perCaption = new LinkedHashMap<>();
        double sum = 0;
        int i = 0;
        for (String id : references.keySet()) {
            Vec hyp = vec(NGrams.count(NGrams.words(candidates.get(id)), N), documentFrequency, refLen);
            double[] score = new double[N];
            List<Map<String, Integer>> refs = refCounts.get(i++);
            for (Map<String, Integer> ref : refs) {
                Vec r = vec(ref, documentFrequency, refLen);
                double[] s = sim(hyp, r);
                for (int n = 0; n < N; n++) {
                    score[n] += s[n];
                }
            }
            double mean = 0;
            for (double s : score) {
                mean += s;
            }
            mean /= N;
            mean /= refs.size();
            mean *= 10.0;
            perCaption.put(id, mean);
            sum += mean;
        }
        return new Result(sum / references.size(), perCaption);
    }

    /** tf-idf weights per order, their norms, and the length (the number of bigrams). */
    private record Vec(List<Map<String, Double>> weights, double[] norm, int length) {}

    private static Vec vec(Map<String, Integer> counts, Map<String, Double> df, double refLen) {
        List<Map<String, Double>> weights = new ArrayList<>();
        for (int n = 0; n < N; n++) {
            weights.add(new HashMap<>());
        }
        double[] norm = new double[N];
        int length = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            double logDf = Math.log(Math.max(1.0, df.getOrDefault(e.getKey(), 0.0)));
            int n = NGrams.order(e.getKey()) - 1;
            double w = e.getValue() * (refLen - logDf);
            weights.get(n).put(e.getKey(), w);
            norm[n] += w * w;
            if (n == 1) {
                length += e.getValue();
            }
        }
        for (int n = 0; n < N; n++) {
            norm[n] = Math.sqrt(norm[n]);
        }
        return new Vec(weights, norm, length);
    }

    private static double[] sim(Vec hyp, Vec ref) {
        double delta = hyp.length() - ref.length();
        double[] val = new double[N];
        for (int n = 0; n < N; n++) {
            Map<String, Double> r = ref.weights().get(n);
            for (Map.Entry<String, Double> e : hyp.weights().get(n).entrySet()) {
                double rw = r.getOrDefault(e.getKey(), 0.0);
                val[n] += Math.min(e.getValue(), rw) * rw;
            }
            if (hyp.norm()[n] != 0 && ref.norm()[n] != 0) {
                val[n] /= hyp.norm()[n] * ref.norm()[n];
            }
            val[n] *= Math.exp(-(delta * delta) / (2 * SIGMA * SIGMA));
        }
        return val;
    }
}
