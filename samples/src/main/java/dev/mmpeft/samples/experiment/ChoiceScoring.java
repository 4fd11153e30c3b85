package dev.mmpeft.samples.experiment;

import ai.djl.ndarray.NDManager;
import dev.mmpeft.core.MmpeftException;
import dev.mmpeft.core.Prompt;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.models.generation.CandidateScores;
import dev.mmpeft.models.instructblip.InstructBlip;
import dev.mmpeft.models.processing.InstructBlipProcessor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers multiple-choice prompts by candidate scoring, as LAVIS evaluates InstructBLIP on
 * ScienceQA and IconQA: every option's target text is scored by the model's loss given the image
 * and the prompt, and the lowest loss wins.
 *
 * <p>Each example has its own options, so examples are scored one at a time, each in its own
 * memory scope; the model is switched to inference mode first.
 */
public final class ChoiceScoring {
    private ChoiceScoring() {}

    /** The predicted option index of every prompt, by example id. */
    public static Map<String, Prediction> predict(InstructBlip model, InstructBlipProcessor processor, List<Prompt> prompts) {
        model.setTraining(false);
        Map<String, Prediction> out = new LinkedHashMap<>();
        try (NDManager base = NDManager.newBaseManager(model.queryTokens().getArray().getDevice())) {
            for (Prompt p : prompts) {
                if (p.candidates().isEmpty()) {
                    throw new MmpeftException("example " + p.exampleId() + " has no answer options; candidate scoring needs"
                            + " multiple-choice questions");
                }
                try (NDManager scope = base.newSubManager()) {
                    CandidateScores scores = model.scoreCandidates(processor.scoringInputs(List.of(p), scope),
                            processor.candidateIds(p.candidates()));
                    out.put(p.exampleId(), Prediction.ofChoice(p.exampleId(), scores.best(0)));
                }
            }
        }
        return out;
    }
}
