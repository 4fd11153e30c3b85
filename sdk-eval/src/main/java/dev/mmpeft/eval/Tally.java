package dev.mmpeft.eval;

import dev.mmpeft.core.eval.EvaluationResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Sums of scores and counts per group, in the order groups are declared or first seen. */
final class Tally {
    private final Map<String, double[]> groups = new LinkedHashMap<>();

    /** Declares groups so they appear in this order (empty ones are left out of the result). */
    Tally declare(List<String> names) {
        for (String n : names) {
            groups.putIfAbsent(n, new double[2]);
        }
        return this;
    }

    void add(String group, double score) {
        double[] g = groups.computeIfAbsent(group, k -> new double[2]);
        g[0] += score;
        g[1] += 1;
    }

    /** Adds each group's mean times {@code scale} (100 for percentages) and its size. */
    EvaluationResult.Builder into(EvaluationResult.Builder b, double scale) {
        for (Map.Entry<String, double[]> e : groups.entrySet()) {
            double[] g = e.getValue();
            if (g[1] > 0) {
                b.putBreakdown(e.getKey(), g[0] / g[1] * scale);
                b.putGroupSizes(e.getKey(), (int) g[1]);
            }
        }
        return b;
    }

    /** The mean of a group times {@code scale}, or 0 for an empty group. */
    double mean(String group, double scale) {
        double[] g = groups.get(group);
        return g == null || g[1] == 0 ? 0 : g[0] / g[1] * scale;
    }

    static EvaluationResult.Builder result(String evaluator, String metric) {
        return EvaluationResult.builder().evaluator(evaluator).metric(metric);
    }
}
