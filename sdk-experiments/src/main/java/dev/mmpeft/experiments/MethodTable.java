package dev.mmpeft.experiments;

import dev.mmpeft.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The empirical PEFT study's comparison table: one row per method (with its size and targets), one
 * column per connector setting (frozen, tuned), accuracy with its gain over the zero-shot baseline,
 * and the trainable parameters, as Markdown ({@code methods.md}) and CSV ({@code methods.csv}).
 * Why its own table: a method's size is not a LoRA rank, so the papers' component x rank table
 * cannot hold the comparison.
 */
public final class MethodTable {
    /** The file names {@link #writeAll} writes. */
    public static final String MARKDOWN = "methods.md";

    public static final String CSV = "methods.csv";

    private MethodTable() {}

    /** The zero-shot accuracy among the cells (the first cell that trains nothing), if any. */
    static Optional<Double> zeroShot(List<Sweep.Cell> cells) {
        return cells.stream().filter(c -> c.trainableParameters() == 0).map(Sweep.Cell::accuracy).findFirst();
    }

    /** Rows in first-seen order, each with its cells by connector setting. */
    private static Map<String, Map<Boolean, Sweep.Cell>> rows(List<Sweep.Cell> cells) {
        Map<String, Map<Boolean, Sweep.Cell>> rows = new LinkedHashMap<>();
        for (Sweep.Cell c : cells) {
            if (c.trainableParameters() == 0) {
                continue;
            }
            Sweep.Cell old = rows.computeIfAbsent(c.methodRow(), k -> new LinkedHashMap<>()).put(c.connectorTuned(), c);
            if (old != null) {
                throw new ExperimentException("two cells for " + c.methodRow() + " with the connector " + connector(c.connectorTuned())
                        + ": " + old.setting() + " and " + c.setting());
            }
        }
        return rows;
    }

    private static List<Boolean> columns(List<Sweep.Cell> cells) {
        List<Boolean> columns = new ArrayList<>();
        for (boolean tuned : new boolean[] {false, true}) {
            if (cells.stream().anyMatch(c -> c.trainableParameters() > 0 && c.connectorTuned() == tuned)) {
                columns.add(tuned);
            }
        }
        return columns;
    }

    static String connector(boolean tuned) {
        return tuned ? "tuned" : "frozen";
    }

    /** The Markdown tables: accuracy (gain over zero-shot) and trainable parameters, method x connector. */
    public static String markdown(List<Sweep.Cell> cells) {
        Map<String, Map<Boolean, Sweep.Cell>> rows = rows(cells);
        List<Boolean> columns = columns(cells);
        Optional<Double> zero = zeroShot(cells);
        StringBuilder sb = new StringBuilder();
        zero.ifPresent(z -> sb.append(String.format(Locale.ROOT, "Zero-shot: %.2f%%.%n%n", z)));
        header(sb, columns);
        for (var row : rows.entrySet()) {
            double best = row.getValue().values().stream().mapToDouble(Sweep.Cell::accuracy).max().orElse(Double.NaN);
            sb.append("| ").append(row.getKey()).append(" |");
            for (boolean tuned : columns) {
                Sweep.Cell c = row.getValue().get(tuned);
                if (c == null) {
                    sb.append(" - |");
                    continue;
                }
                String acc = String.format(Locale.ROOT, "%.2f", c.accuracy());
                sb.append(' ').append(c.accuracy() == best ? "**" + acc + "**" : acc);
                zero.ifPresent(z -> sb.append(String.format(Locale.ROOT, " (%+.2f)", c.accuracy() - z)));
                sb.append(" |");
            }
            sb.append('\n');
        }
        sb.append("\nAccuracy (%) per method and connector setting")
                .append(zero.isPresent() ? ", the gain over zero-shot in points in brackets" : "")
                .append("; the better connector setting of each method in bold.\n\n");
        header(sb, columns);
        for (var row : rows.entrySet()) {
            sb.append("| ").append(row.getKey()).append(" |");
            for (boolean tuned : columns) {
                Sweep.Cell c = row.getValue().get(tuned);
                sb.append(' ').append(c == null ? "-" : String.format(Locale.ROOT, "%,d", c.trainableParameters())).append(" |");
            }
            sb.append('\n');
        }
        sb.append("\nTrainable parameters per method and connector setting (a tuned connector trains `language_projection` too).\n");
        return sb.toString();
    }

    private static void header(StringBuilder sb, List<Boolean> columns) {
        sb.append("| Method |");
        columns.forEach(t -> sb.append(" connector ").append(connector(t)).append(" |"));
        sb.append("\n|---|");
        columns.forEach(t -> sb.append("---:|"));
        sb.append('\n');
    }

    /** One line per trained cell: {@code method,size,components,connector,trainable_parameters,accuracy,gain} (gain empty without zero-shot). */
    public static String csv(List<Sweep.Cell> cells) {
        rows(cells);
        Optional<Double> zero = zeroShot(cells);
        StringBuilder sb = new StringBuilder("method,size,components,connector,trainable_parameters,accuracy,gain\n");
        for (Sweep.Cell c : cells) {
            if (c.trainableParameters() > 0) {
                sb.append(c.methodName()).append(',').append(c.size()).append(',').append(c.component()).append(',')
                        .append(connector(c.connectorTuned())).append(',').append(c.trainableParameters()).append(',')
                        .append(c.accuracy()).append(',').append(zero.map(z -> Double.toString(c.accuracy() - z)).orElse(""))
                        .append('\n');
            }
        }
        return sb.toString();
    }

    /** Writes {@code methods.md} (under a {@code title} heading) and {@code methods.csv} into {@code dir}, each atomically. */
    public static List<Path> writeAll(List<Sweep.Cell> cells, Path dir, String title) throws IOException {
        Path md = dir.resolve(MARKDOWN);
        Path csv = dir.resolve(CSV);
        AtomicFiles.writeString(md, "# " + title + "\n\n" + markdown(cells));
        AtomicFiles.writeString(csv, csv(cells));
        return List.of(md, csv);
    }
}
