package dev.mmpeft.eval;

import dev.mmpeft.core.eval.Evaluator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Entry point to the evaluators: the built-in ones by method, and any evaluator on the class path
 * by name through {@link EvaluatorProvider} ({@link java.util.ServiceLoader}).
 *
 * <pre>{@code
 * EvaluationResult r = Evaluators.scienceQa().evaluate(testExamples, predictions);
 * r.headline();               // Avg, percent
 * r.breakdown().get("IMG");   // as tools/evaluate_acc.py
 * Evaluator any = Evaluators.forName("vqa");
 * }</pre>
 */
public final class Evaluators {
    private Evaluators() {}

    /** ScienceQA accuracy with the official breakdown. */
    public static ScienceQaEvaluator scienceQa() {
        return new ScienceQaEvaluator();
    }

    /** IconQA accuracy per sub-task and skill. */
    public static IconQaEvaluator iconQa() {
        return new IconQaEvaluator();
    }

    /** Plain multiple-choice accuracy. */
    public static MultipleChoiceEvaluator multipleChoice() {
        return new MultipleChoiceEvaluator();
    }

    /** VQAv2 accuracy. */
    public static VqaEvaluator vqa() {
        return new VqaEvaluator();
    }

    /** Exact-match accuracy of open answers. */
    public static ExactMatchEvaluator exactMatch() {
        return new ExactMatchEvaluator();
    }

    /** pycocoevalcap captioning metrics. */
    public static CaptionEvaluator caption() {
        return new CaptionEvaluator();
    }

    /**
     * The evaluator registered under {@code name}, ignoring case (highest {@link EvaluatorProvider#rank()} wins).
     *
     * @throws EvaluationException naming the unknown name and the known ones
     */
    public static Evaluator forName(String name) {
        EvaluatorProvider p = providers().get(name.strip().toLowerCase(java.util.Locale.ROOT));
        if (p == null) {
            throw new EvaluationException("unknown evaluator '" + name + "' (known: " + String.join(", ", names()) + ")");
        }
        return p.create();
    }

    /** The names of all registered evaluators, sorted. */
    public static List<String> names() {
        return new ArrayList<>(providers().keySet());
    }

    /** The registered providers by name (for listings). */
    public static Map<String, EvaluatorProvider> providers() {
        Map<String, EvaluatorProvider> byName = new TreeMap<>();
        ClassLoader tccl = Thread.currentThread().getContextClassLoader();
        load(ServiceLoader.load(EvaluatorProvider.class, tccl), byName);
        if (tccl != Evaluators.class.getClassLoader()) {
            load(ServiceLoader.load(EvaluatorProvider.class, Evaluators.class.getClassLoader()), byName);
        }
        return byName;
    }

    private static void load(ServiceLoader<EvaluatorProvider> loader, Map<String, EvaluatorProvider> byName) {
        for (EvaluatorProvider p : loader) {
            EvaluatorProvider existing = byName.get(p.name());
            if (existing == null || p.rank() > existing.rank()) {
                byName.put(p.name(), p);
            }
        }
    }
}
