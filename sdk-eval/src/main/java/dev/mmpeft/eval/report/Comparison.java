package dev.mmpeft.eval.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.io.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Zero-shot against fine-tuned (or any baseline against a candidate), per group, with the
 * difference: what a fine-tune bought, where. Groups are those of the fine-tuned result that the
 * baseline has too, in the fine-tuned result's order.
 *
 * <pre>{@code
 * Comparison c = Comparison.of(zeroShot, fineTuned);
 * c.rows().get(0).delta();
 * c.writeAll(Path.of("reports/compare"));
 * }</pre>
 */
public final class Comparison {
    /** One group: the two values and the change ({@code fineTuned - zeroShot}). */
    public record Row(String group, double zeroShot, double fineTuned, int examples) {
        public double delta() {
            return fineTuned - zeroShot;
        }
    }

    private final EvaluationResult zeroShot;
    private final EvaluationResult fineTuned;
    private final List<Row> rows;
    private final String baselineName;
    private final String candidateName;

    private Comparison(EvaluationResult zeroShot, EvaluationResult fineTuned, String baselineName, String candidateName) {
        if (!zeroShot.metric().equals(fineTuned.metric())) {
            throw new IllegalArgumentException(
                    "cannot compare " + zeroShot.metric() + " with " + fineTuned.metric() + " (expected the same metric)");
        }
        this.zeroShot = zeroShot;
        this.fineTuned = fineTuned;
        this.baselineName = baselineName;
        this.candidateName = candidateName;
        List<Row> out = new ArrayList<>();
        fineTuned.breakdown().forEach((g, v) -> {
            Double base = zeroShot.breakdown().get(g);
            if (base != null) {
                out.add(new Row(g, base, v, fineTuned.groupSizes().getOrDefault(g, 0)));
            }
        });
        if (out.isEmpty()) {
            throw new IllegalArgumentException("the two results share no group (expected the same evaluator on the same data)");
        }
        this.rows = List.copyOf(out);
    }

    /** Zero-shot against fine-tuned. */
    public static Comparison of(EvaluationResult zeroShot, EvaluationResult fineTuned) {
        return new Comparison(zeroShot, fineTuned, "zero-shot", "fine-tuned");
    }

    /** Any two results, with the names the reports use for them. */
    public static Comparison of(EvaluationResult baseline, String baselineName, EvaluationResult candidate, String candidateName) {
        return new Comparison(baseline, candidate, baselineName, candidateName);
    }

    public List<Row> rows() {
        return rows;
    }

    /** The change of the headline. */
    public double headlineDelta() {
        return fineTuned.headline() - zeroShot.headline();
    }

    private boolean percent() {
        return Reports.isPercent(fineTuned);
    }

    /** The baseline's name in the reports ({@code zero-shot}). */
    public String baselineName() {
        return baselineName;
    }

    /** The candidate's name in the reports ({@code fine-tuned}). */
    public String candidateName() {
        return candidateName;
    }

    /** The baseline result. */
    public EvaluationResult baseline() {
        return zeroShot;
    }

    /** The candidate result (its groups, in its order, are the rows). */
    public EvaluationResult candidate() {
        return fineTuned;
    }

    /** A difference as the table prints it: {@code +16.02}, {@code -3.00}, {@code ±0.00}. */
    public String signed(double d) {
        return (d > 0 ? "+" : d < 0 ? "" : "±") + Reports.format(d, percent());
    }

    /** The Markdown table: group, the two values, the difference. */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| Group | ").append(baselineName).append(" | ").append(candidateName).append(" | Difference |\n")
                .append("|---|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append("| ").append(Reports.escape(r.group())).append(" | ").append(Reports.format(r.zeroShot(), percent()))
                    .append(" | ").append(Reports.format(r.fineTuned(), percent())).append(" | ").append(signed(r.delta()))
                    .append(" |\n");
        }
        sb.append(String.format(Locale.ROOT, "%n%s, %s; difference = %s - %s.%n",
                fineTuned.evaluator(), Reports.unit(fineTuned), candidateName, baselineName));
        return sb.toString();
    }

    /** CSV: {@code group,baseline,candidate,difference,examples}. */
    public String csv() {
        StringBuilder sb = new StringBuilder("group,").append(Reports.csvField(baselineName)).append(',')
                .append(Reports.csvField(candidateName)).append(",difference,examples\n");
        for (Row r : rows) {
            sb.append(Reports.csvField(r.group())).append(',').append(r.zeroShot()).append(',').append(r.fineTuned())
                    .append(',').append(r.delta()).append(',').append(r.examples()).append('\n');
        }
        return sb.toString();
    }

    public ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("metric", fineTuned.metric());
        root.put("baseline", baselineName);
        root.put("candidate", candidateName);
        root.put("headlineDelta", headlineDelta());
        ArrayNode arr = root.putArray("groups");
        for (Row r : rows) {
            arr.addObject().put("group", r.group()).put(baselineName, r.zeroShot()).put(candidateName, r.fineTuned())
                    .put("difference", r.delta()).put("examples", r.examples());
        }
        return root;
    }

    /** Writes {@code comparison.md}, {@code comparison.csv} and {@code comparison.json} (the chart: sdk-plots). */
    public List<Path> writeAll(Path dir) {
        Path md = dir.resolve("comparison.md");
        Path csv = dir.resolve("comparison.csv");
        Path json = dir.resolve("comparison.json");
        Reports.write(md, markdown());
        Reports.write(csv, csv());
        Reports.write(json, Json.write(toJson()));
        return List.of(md, csv, json);
    }
}
