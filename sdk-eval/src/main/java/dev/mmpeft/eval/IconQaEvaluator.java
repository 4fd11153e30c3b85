package dev.mmpeft.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.mmpeft.core.MultimodalExample;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.eval.Evaluator;
import dev.mmpeft.core.eval.Prediction;
import dev.mmpeft.core.io.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * IconQA accuracy per sub-task and per skill as the official {@code tools/sub_acc.py}
 * (lupantech/IconQA) computes it: a prediction is right when {@code str(prediction) ==
 * str(answer)}, that is the option index for {@code choose_txt} and {@code choose_img}, and the
 * exact answer string for {@code fill_in_blank} (case and all; surrounding whitespace of the
 * prediction is ignored). Groups: the sub-tasks ({@code choose_img}, {@code choose_txt},
 * {@code fill_in_blank}), the 13 skills of the paper in its order (a problem counts for each of its
 * skills, from {@code pid2skills.json}), any other skill, then Avg.
 *
 * <p>The sub-task is the record's {@code ques_type}; skills come from
 * {@link MultimodalExample#skills()}, or from a pid2skills map given with {@link #withSkills}.
 * Generated text for a multiple-choice sub-task is read with {@link ChoiceParser}.
 */
public final class IconQaEvaluator implements Evaluator {
    /** The name under which {@link Evaluators} finds it. */
    public static final String NAME = "iconqa";

    /** Sub-tasks in the official order. */
    public static final ImmutableList<String> SUBTASKS = ImmutableList.of("choose_img", "choose_txt", "fill_in_blank");

    /** Skills in the official order (Table 6 of the IconQA paper). */
    public static final ImmutableList<String> SKILLS =
            ImmutableList.of(
                    "geometry", "counting", "comparing", "spatial", "scene", "pattern", "time", "fraction", "estimation",
                    "algebra", "measurement", "commonsense", "probability");

    private final ImmutableMap<String, ImmutableList<String>> skillsByPid;

    public IconQaEvaluator() {
        this(ImmutableMap.of());
    }

    private IconQaEvaluator(ImmutableMap<String, ImmutableList<String>> skillsByPid) {
        this.skillsByPid = skillsByPid;
    }

    /** A copy that takes the skills of problems whose records have none from {@code skillsByPid}. */
    public IconQaEvaluator withSkills(Map<String, ? extends List<String>> skillsByPid) {
        ImmutableMap.Builder<String, ImmutableList<String>> b = ImmutableMap.builder();
        skillsByPid.forEach((k, v) -> b.put(k, ImmutableList.copyOf(v)));
        return new IconQaEvaluator(b.buildOrThrow());
    }

    /**
     * Reads the official {@code pid2skills.json} ({@code {"pid": ["counting", ...]}}).
     *
     * @throws EvaluationException naming the file and the pid whose value is not a list of strings
     */
    public static Map<String, List<String>> readSkills(Path pid2skills) {
        JsonNode root = Json.read(pid2skills);
        if (!root.isObject()) {
            throw new EvaluationException(pid2skills + ": expected an object {pid: [skills]}, found " + root.getNodeType());
        }
        ImmutableMap.Builder<String, List<String>> b = ImmutableMap.builder();
        for (var it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isArray()) {
                throw new EvaluationException(
                        pid2skills + ": pid " + e.getKey() + ": expected a list of skill names, found " + e.getValue().getNodeType());
            }
            List<String> skills = new ArrayList<>();
            for (JsonNode s : e.getValue()) {
                if (!s.isTextual()) {
                    throw new EvaluationException(
                            pid2skills + ": pid " + e.getKey() + ": expected skill names as strings, found " + s.getNodeType());
                }
                skills.add(s.asText());
            }
            b.put(e.getKey(), List.copyOf(skills));
        }
        return b.buildOrThrow();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EvaluationResult evaluate(List<MultimodalExample> examples, Map<String, Prediction> predictions) {
        Scoring.checkIds(NAME, examples, predictions);
        var result = Tally.result(NAME, "accuracy");
        List<Double> scores = new ArrayList<>(examples.size());
        TreeSet<String> otherSkills = new TreeSet<>();
        for (MultimodalExample ex : examples) {
            Prediction p = predictions.get(ex.id());
            double score;
            String shown;
            String expected;
            boolean unparseable;
            if (ex.isMultipleChoice() && ex.answerIndex().isPresent()) {
                Scoring.Choice c = Scoring.choose(ex, p);
                score = c.correct(ex) ? 1 : 0;
                shown = c.shown();
                expected = Scoring.expectedOption(ex);
                unparseable = c.unparseable();
            } else {
                expected = ex.answers().isEmpty() ? ex.answerText().orElse("") : ex.answers().get(0);
                String text = Scoring.text(p);
                unparseable = text == null;
                shown = text == null ? "(no prediction)" : text;
                score = text != null && text.strip().equals(expected) ? 1 : 0;
            }
            scores.add(score);
            for (String s : skillsOf(ex)) {
                if (!SKILLS.contains(s)) {
                    otherSkills.add(s);
                }
            }
            result.addRecords(Scoring.outcome(ex, shown, expected, score, unparseable));
        }
        // Groups in the official order: sub-tasks, the paper's skills, other skills (sorted), Avg.
        Tally groups = new Tally().declare(SUBTASKS).declare(SKILLS).declare(List.copyOf(otherSkills));
        for (int i = 0; i < examples.size(); i++) {
            MultimodalExample ex = examples.get(i);
            double score = scores.get(i);
            groups.add(subtask(ex), score);
            for (String s : skillsOf(ex)) {
                groups.add(s, score);
            }
            groups.add("Avg", score);
        }
        groups.into(result, 100);
        return result.headline(groups.mean("Avg", 100)).build();
    }

    private List<String> skillsOf(MultimodalExample ex) {
        return ex.skills().isEmpty() ? skillsByPid.getOrDefault(ex.id(), ImmutableList.of()) : ex.skills();
    }

    /** The sub-task of a record: its {@code ques_type}, else guessed from its shape. */
    public static String subtask(MultimodalExample ex) {
        return ex.meta("ques_type")
                .or(() -> ex.meta("subtask"))
                .orElse(ex.isMultipleChoice() ? (ex.choiceImages().isEmpty() ? "choose_txt" : "choose_img") : "fill_in_blank");
    }

    /** Finds it through {@link java.util.ServiceLoader}. */
    public static final class Provider extends BuiltInProvider {
        public Provider() {
            super(NAME, "IconQA accuracy per sub-task (choose_img, choose_txt, fill_in_blank) and per skill, as tools/sub_acc.py", IconQaEvaluator::new);
        }
    }
}
