package dev.mmpeft.eval.caption;

import com.google.common.collect.Sets;
import dev.mmpeft.eval.EvaluationException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Captioning metrics as {@code pycocoevalcap} computes them for a set of images: both sides
 * tokenised with its PTB tokenisation ({@link PtbTokenizer}), then BLEU-1..4, ROUGE-L, ROUGE-1
 * and CIDEr-D on the tokens.
 *
 * <pre>{@code
 * CaptionScores s = CaptionMetrics.evaluate(
 *         Map.of("img1", List.of("A man riding a horse.", "A person on a horse.")),
 *         Map.of("img1", "a man on a horse"));
 * s.cider(); s.bleu().get(3); s.rougeL();
 * }</pre>
 *
 * <p>Ids are visited in the order of {@code references} (use a {@link LinkedHashMap} for a stable
 * order): as in pycocoevalcap, the references are tokenised together in that order, and so are
 * the candidates.
 */
public final class CaptionMetrics {
    private CaptionMetrics() {}

    /**
     * Tokenises and scores. Every id needs one candidate and at least one reference.
     *
     * @throws EvaluationException naming the ids that do not pair up, or an id without references
     */
    public static CaptionScores evaluate(Map<String, List<String>> references, Map<String, String> candidates) {
        check(references, candidates);
        List<String> ids = new ArrayList<>(references.keySet());
        List<String> refTexts = new ArrayList<>();
        List<String> candTexts = new ArrayList<>();
        for (String id : ids) {
            refTexts.addAll(references.get(id));
            candTexts.add(candidates.get(id));
        }
        PtbTokenizer tok = PtbTokenizer.instance();
        List<String> refTok = tok.tokenize(refTexts);
        List<String> candTok = tok.tokenize(candTexts);
        Map<String, List<String>> tokenizedRefs = new LinkedHashMap<>();
        Map<String, String> tokenizedCands = new LinkedHashMap<>();
        int r = 0;
        for (int i = 0; i < ids.size(); i++) {
            int k = references.get(ids.get(i)).size();
            tokenizedRefs.put(ids.get(i), List.copyOf(refTok.subList(r, r + k)));
            r += k;
            tokenizedCands.put(ids.get(i), candTok.get(i));
        }
        return evaluateTokenized(tokenizedRefs, tokenizedCands);
    }

    /** Scores captions that are already tokenised (space-separated tokens), as the pycocoevalcap scorers do. */
    public static CaptionScores evaluateTokenized(
            Map<String, List<String>> references, Map<String, String> candidates) {
        check(references, candidates);
        Bleu.Result bleu = Bleu.compute(references, candidates, 4);
        Rouge.Result rouge = Rouge.compute(references, candidates);
        Cider.Result cider = Cider.compute(references, candidates);
        Map<String, Map<String, Double>> per = new LinkedHashMap<>();
        for (String id : references.keySet()) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("Bleu_4", bleu.perCaption().get(id).get(3));
            m.put("ROUGE_L", rouge.rougeLPerCaption().get(id));
            m.put("ROUGE_1_F1", rouge.rouge1F1PerCaption().get(id));
            m.put("CIDEr", cider.perCaption().get(id));
            per.put(id, m);
        }
        return CaptionScores.builder()
                .bleu(bleu.corpus())
                .rougeL(rouge.rougeL())
                .rougeLF1(rouge.rougeLF1())
                .rougeLRecall(rouge.rougeLRecall())
                .rouge1F1(rouge.rouge1F1())
                .rouge1Recall(rouge.rouge1Recall())
                .cider(cider.score())
                .count(references.size())
                .perCaption(per)
                .tokenizedCandidates(candidates)
                .build();
    }

    private static void check(Map<String, List<String>> references, Map<String, String> candidates) {
        if (references.isEmpty()) {
            throw new EvaluationException("caption metrics: no captions to score (expected at least one id)");
        }
        if (!references.keySet().equals(candidates.keySet())) {
            var noCandidate = Sets.difference(references.keySet(), candidates.keySet());
            var noReference = Sets.difference(candidates.keySet(), references.keySet());
            throw new EvaluationException(
                    "caption metrics: candidates and references must have the same ids; "
                            + (noCandidate.isEmpty() ? "" : "without a candidate: " + first(noCandidate) + " ")
                            + (noReference.isEmpty() ? "" : "without references: " + first(noReference)));
        }
        for (Map.Entry<String, List<String>> e : references.entrySet()) {
            if (e.getValue().isEmpty()) {
                throw new EvaluationException(
                        "caption metrics: id " + e.getKey() + " has no reference captions (expected at least one)");
            }
        }
    }

    private static String first(java.util.Set<String> ids) {
        List<String> list = new ArrayList<>(ids);
        return list.size() <= 5 ? list.toString() : list.subList(0, 5) + " and " + (list.size() - 5) + " more";
    }
}
