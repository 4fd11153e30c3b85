package dev.mmpeft.eval;

import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.eval.caption.CaptionMetrics;
import dev.mmpeft.eval.caption.CaptionScores;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Captioning metrics of generated captions against each image's reference captions
 * ({@link MultimodalExample#answers()}), as pycocoevalcap computes them
 * ({@link CaptionMetrics}). The breakdown holds {@code Bleu_1}..{@code Bleu_4}, {@code ROUGE_L},
 * {@code ROUGE_L_F1}, {@code ROUGE_L_recall}, {@code ROUGE_1_F1}, {@code ROUGE_1_recall} and {@code CIDEr} on
 * pycocoevalcap's scale (fractions; papers print them times 100); the headline is CIDEr. An
 * image without a prediction is scored as the empty caption and marked.
 */
public final class CaptionEvaluator implements Evaluator {
    /** The name under which {@link Evaluators} finds it. */
    public static final String NAME = "caption";
    /** The metric of its results (the headline): pycocoevalcap's CIDEr. */
    public static final String METRIC = "CIDEr";

    private final String name;

    /** The evaluator under its own name. */
    public CaptionEvaluator() {
        this(NAME);
    }

    /** The same metric under a dataset format's name ({@code okvqa}, {@code flickr30k}, ...), as results and reports show it. */
    public CaptionEvaluator(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public EvaluationResult evaluate(List<MultimodalExample> examples, Map<String, Prediction> predictions) {
        Scoring.checkIds(name, examples, predictions);
        Map<String, List<String>> refs = new LinkedHashMap<>();
        Map<String, String> cands = new LinkedHashMap<>();
        for (MultimodalExample ex : examples) {
            if (ex.answers().isEmpty()) {
                throw new EvaluationException(
                        name + ": example " + ex.id() + " has no reference captions (expected them as answers)");
            }
            refs.put(ex.id(), ex.answers());
            String text = Scoring.text(predictions.get(ex.id()));
            cands.put(ex.id(), text == null ? "" : text);
        }
        CaptionScores s = CaptionMetrics.evaluate(refs, cands);
        var result = Tally.result(name, METRIC).headline(s.cider());
        s.asMap().forEach((k, v) -> result.putBreakdown(k, v).putGroupSizes(k, s.count()));
        for (MultimodalExample ex : examples) {
            String text = Scoring.text(predictions.get(ex.id()));
            result.addRecords(Scoring.outcome(ex, text, ex.answers().get(0), s.perCaption().get(ex.id()).get("CIDEr")));
        }
        return result.build();
    }

    /** Finds it through {@link java.util.ServiceLoader}. */
    public static final class Provider extends BuiltInProvider {
        public Provider() {
            super(NAME, "pycocoevalcap BLEU-1..4, ROUGE-L, ROUGE-1 and CIDEr-D with its PTB tokenisation", CaptionEvaluator::new);
        }
    }

    /** Flickr30K is scored with the COCO caption pipeline: found under the dataset format's name too. */
    public static final class Flickr30kProvider extends BuiltInProvider {
        public Flickr30kProvider() {
            super("flickr30k", "Flickr30K captions: the COCO caption pipeline (PTB tokens, BLEU, ROUGE, CIDEr)",
                    () -> new CaptionEvaluator("flickr30k"));
        }
    }

    /** TextCaps is scored with the COCO caption pipeline: found under the dataset format's name too. */
    public static final class TextCapsProvider extends BuiltInProvider {
        public TextCapsProvider() {
            super("textcaps", "TextCaps captions: the COCO caption pipeline (PTB tokens, BLEU, ROUGE, CIDEr)",
                    () -> new CaptionEvaluator("textcaps"));
        }
    }
}
