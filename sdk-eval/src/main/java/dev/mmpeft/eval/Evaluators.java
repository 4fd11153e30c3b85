package dev.mmpeft.eval;

import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.spi.ProviderRegistry;
import java.util.List;
import java.util.Map;

/**
 * Entry point to the evaluators: the built-in ones by method, and any evaluator on the class path
 * by name through {@link EvaluatorProvider} (the SDK's one {@link ProviderRegistry}).
 *
 * <pre>{@code
 * EvaluationResult r = Evaluators.scienceQa().evaluate(testExamples, predictions);
 * r.headline();               // Avg, percent
 * r.breakdown().get("IMG");   // as tools/evaluate_acc.py
 * Evaluator any = Evaluators.forName("vqa");
 * }</pre>
 */
public final class Evaluators {
    private static final ProviderRegistry<EvaluatorProvider> REGISTRY =
            ProviderRegistry.of(EvaluatorProvider.class, "evaluator", EvaluationException::new);

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
        return REGISTRY.get(name).create();
    }

    /**
     * The papers' evaluator for a dataset format: {@code scienceqa} (ScienceQA's breakdown),
     * {@code iconqa} (per sub-task and skill); any other multiple-choice format (JSONL, ...) gets
     * plain multiple-choice accuracy. Why here: this module knows the evaluators, and an evaluator
     * registered under a format's name (with a higher rank, say) is used for it.
     */
    public static Evaluator forFormat(String format) {
        return REGISTRY.find(format).map(EvaluatorProvider::create).orElseGet(Evaluators::multipleChoice);
    }

    /** The names of all registered evaluators, sorted. */
    public static List<String> names() {
        return REGISTRY.names();
    }

    /** The registered providers by name (for listings). */
    public static Map<String, EvaluatorProvider> providers() {
        return REGISTRY.providers();
    }
}
