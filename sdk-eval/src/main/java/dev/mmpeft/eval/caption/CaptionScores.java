package dev.mmpeft.eval.caption;

import java.util.List;
import java.util.Map;
import org.immutables.value.Value;

/**
 * The captioning metrics of one corpus, on pycocoevalcap's scale (fractions, CIDEr around 0-10;
 * papers print them times 100), with each caption's own scores for error analysis.
 */
@Value.Immutable
public abstract class CaptionScores {
    /** Corpus BLEU-1, BLEU-2, BLEU-3, BLEU-4 (pycocoevalcap's Bleu_1..Bleu_4). */
    public abstract List<Double> bleu();

    /** pycocoevalcap's ROUGE_L (F-measure with beta 1.2). */
    public abstract double rougeL();

    /** ROUGE-L F1: {@link #rougeL()}'s best precision and best recall combined with beta = 1, averaged. */
    public abstract double rougeLF1();

    /** The mean of each caption's best ROUGE-L recall (the recall behind {@link #rougeL()}). */
    public abstract double rougeLRecall();

    /** Mean ROUGE-1 F1. */
    public abstract double rouge1F1();

    /** Mean ROUGE-1 recall. */
    public abstract double rouge1Recall();

    /** pycocoevalcap's CIDEr (CIDEr-D). */
    public abstract double cider();

    /** Number of captions scored. */
    public abstract int count();

    /** Scores of each caption by id: {@code Bleu_4}, {@code ROUGE_L}, {@code ROUGE_1_F1}, {@code CIDEr}. */
    public abstract Map<String, Map<String, Double>> perCaption();

    /** The candidates after tokenisation, by id (what the metrics counted). */
    public abstract Map<String, String> tokenizedCandidates();

    /** The scores by pycocoevalcap's names, in its order, plus the ROUGE extras. */
    public Map<String, Double> asMap() {
        java.util.LinkedHashMap<String, Double> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < bleu().size(); i++) {
            m.put("Bleu_" + (i + 1), bleu().get(i));
        }
        m.put("ROUGE_L", rougeL());
        m.put("ROUGE_L_F1", rougeLF1());
        m.put("ROUGE_L_recall", rougeLRecall());
        m.put("ROUGE_1_F1", rouge1F1());
        m.put("ROUGE_1_recall", rouge1Recall());
        m.put("CIDEr", cider());
        return m;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's attributes, to derive a variant. */
    public Builder toBuilder() {
        return builder().from(this);
    }

    /** Builds a {@link CaptionScores}; {@code build()} validates it. */
    public static class Builder extends ImmutableCaptionScores.Builder {}
}
