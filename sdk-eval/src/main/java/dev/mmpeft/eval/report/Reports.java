package dev.mmpeft.eval.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmpeft.core.eval.EvaluationResult;
import dev.mmpeft.core.io.AtomicFiles;
import dev.mmpeft.core.io.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reports of one {@link EvaluationResult}: JSON with everything (headline, breakdown, group sizes,
 * every record), a Markdown table of the breakdown with the unreadable answers listed, and CSVs of
 * the breakdown and of the records. Charts of the same results are in the optional sdk-plots.
 *
 * <pre>{@code
 * List<Path> files = Reports.writeAll(result, Path.of("reports/sqa-r2"));
 * }</pre>
 */
public final class Reports {
    private Reports() {}

    /** Whether a metric is a percentage (accuracies), so tables print two decimals and charts use a 0-100 axis. */
    public static boolean isPercent(EvaluationResult r) {
        return r.metric().toLowerCase(Locale.ROOT).contains("accuracy");
    }

    /** The metric with its unit, as a column or axis title: {@code accuracy (%)}. */
    public static String unit(EvaluationResult r) {
        return isPercent(r) ? r.metric() + " (%)" : r.metric();
    }

    /** Numbers as the official scripts print them: two decimals for percentages, four otherwise. */
    public static String format(double v, boolean percent) {
        return String.format(Locale.ROOT, percent ? "%.2f" : "%.4f", v);
    }

    /** The whole result as JSON. */
    public static ObjectNode toJson(EvaluationResult r) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("evaluator", r.evaluator());
        root.put("metric", r.metric());
        root.put("headline", r.headline());
        root.put("examples", r.records().size());
        ObjectNode breakdown = root.putObject("breakdown");
        r.breakdown().forEach(breakdown::put);
        ObjectNode sizes = root.putObject("groupSizes");
        r.groupSizes().forEach(sizes::put);
        ArrayNode unparseable = root.putArray("unparseable");
        ArrayNode records = root.putArray("records");
        for (EvaluationResult.ExampleOutcome o : r.records()) {
            if (o.unparseable()) {
                unparseable.add(o.exampleId());
            }
            ObjectNode rec = records.addObject();
            rec.put("id", o.exampleId());
            rec.put("predicted", o.predicted());
            rec.put("expected", o.expected());
            rec.put("score", o.score());
            rec.put("unparseable", o.unparseable());
        }
        return root;
    }

    /** A Markdown report: the headline, a table of the breakdown, and the unreadable answers. */
    public static String markdown(EvaluationResult r) {
        boolean pct = isPercent(r);
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(r.evaluator()).append(": ").append(r.metric()).append(' ')
                .append(format(r.headline(), pct)).append(pct ? "%" : "").append("\n\n");
        sb.append("| Group | ").append(escape(unit(r))).append(" | Examples |\n|---|---:|---:|\n");
        for (Map.Entry<String, Double> e : r.breakdown().entrySet()) {
            sb.append("| ").append(escape(e.getKey())).append(" | ").append(format(e.getValue(), pct)).append(" | ")
                    .append(r.groupSizes().getOrDefault(e.getKey(), 0)).append(" |\n");
        }
        List<EvaluationResult.ExampleOutcome> bad =
                r.records().stream().filter(EvaluationResult.ExampleOutcome::unparseable).toList();
        sb.append("\n").append(r.records().size()).append(" examples; ").append(bad.size())
                .append(" answers could not be read (counted as wrong)").append(bad.isEmpty() ? ".\n" : ":\n\n");
        if (!bad.isEmpty()) {
            sb.append("| Example | Prediction | Expected |\n|---|---|---|\n");
            for (EvaluationResult.ExampleOutcome o : bad) {
                sb.append("| ").append(escape(o.exampleId())).append(" | ").append(escape(o.predicted())).append(" | ")
                        .append(escape(o.expected())).append(" |\n");
            }
        }
        return sb.toString();
    }

    /** The breakdown as CSV: {@code group,value,examples}. */
    public static String csv(EvaluationResult r) {
        StringBuilder sb = new StringBuilder("group,").append(csvField(r.metric())).append(",examples\n");
        r.breakdown().forEach((g, v) -> sb.append(csvField(g)).append(',').append(v).append(',')
                .append(r.groupSizes().getOrDefault(g, 0)).append('\n'));
        return sb.toString();
    }

    /** Every record as CSV: {@code id,predicted,expected,score,unparseable}. */
    public static String recordsCsv(EvaluationResult r) {
        StringBuilder sb = new StringBuilder("id,predicted,expected,score,unparseable\n");
        for (EvaluationResult.ExampleOutcome o : r.records()) {
            sb.append(csvField(o.exampleId())).append(',').append(csvField(o.predicted())).append(',')
                    .append(csvField(o.expected())).append(',').append(o.score()).append(',').append(o.unparseable()).append('\n');
        }
        return sb.toString();
    }

    public static void writeJson(EvaluationResult r, Path file) {
        write(file, Json.write(toJson(r)));
    }

    public static void writeMarkdown(EvaluationResult r, Path file) {
        write(file, markdown(r));
    }

    public static void writeCsv(EvaluationResult r, Path file) {
        write(file, csv(r));
    }

    /**
     * Writes {@code result.json}, {@code result.md}, {@code result.csv} and {@code records.csv} into
     * {@code dir} (created if needed), each atomically; returns their paths. The bar chart
     * ({@code result.png}) is sdk-plots' {@code EvaluationCharts.writeResult}.
     */
    public static List<Path> writeAll(EvaluationResult r, Path dir) {
        Path json = dir.resolve("result.json");
        Path md = dir.resolve("result.md");
        Path csv = dir.resolve("result.csv");
        Path records = dir.resolve("records.csv");
        writeJson(r, json);
        writeMarkdown(r, md);
        writeCsv(r, csv);
        write(records, recordsCsv(r));
        return List.of(json, md, csv, records);
    }

    static void write(Path file, String content) {
        try {
            AtomicFiles.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write report " + file + ": " + e.getMessage(), e);
        }
    }

    /** Markdown table cell: pipes escaped, line breaks as spaces. */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    }

    /** RFC 4180 field: quoted when it holds a comma, quote or line break. */
    static String csvField(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }
}
