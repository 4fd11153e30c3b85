package dev.mmpeft.peft;

import java.util.List;
import java.util.Locale;
import org.immutables.value.Value;

/**
 * How many parameters an adapted model trains: PEFT's {@code print_trainable_parameters} line
 * ({@code trainable params: 36,864 || all params: 4,023,005,952 || trainable%: 0.0009}) and a table
 * per component.
 *
 * <p>Counts are structural (declared shapes), so a report for a 4-billion-parameter config is
 * computed without allocating a single weight. "All params" counts as PEFT does: the base model,
 * every adapter's LoRA matrices, and the copies of tensors trained in full ({@code modules_to_save}
 * keeps the original and a trainable copy).
 */
@Value.Immutable
public abstract class ParameterReport {
    /** Parameters that train. */
    public abstract long trainable();

    /** All parameters, as PEFT counts them. */
    public abstract long total();

    /** One row per part that trains, in model order. */
    public abstract List<Row> rows();

    /** {@code 100 * trainable / total}. */
    public double trainablePercent() {
        return total() == 0 ? 0 : 100.0 * trainable() / total();
    }

    /** PEFT's line: {@code trainable params: 36,864 || all params: N || trainable%: P} (P with 4 decimals). */
    public String summary() {
        return String.format(
                Locale.ROOT, "trainable params: %,d || all params: %,d || trainable%%: %.4f", trainable(), total(), trainablePercent());
    }

    /** The trainable parameters of one part ({@code LLM_FFN}), or 0. */
    public long trainable(String part) {
        return rows().stream().filter(r -> r.part().equals(part)).mapToLong(Row::trainable).sum();
    }

    /** The per-component table, one line per row plus a total. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        // the method column widens for names longer than "method" (mm-adapter) so the columns stay aligned
        int width = Math.max(6, rows().stream().mapToInt(r -> r.method().length()).max().orElse(6));
        String head = "%-22s %-" + width + "s %8s %18s%n";
        String line = "%-22s %-" + width + "s %8d %,18d";
        sb.append(String.format(Locale.ROOT, head, "part", "method", "tensors", "trainable params"));
        for (Row r : rows()) {
            sb.append(String.format(Locale.ROOT, line + "%n", r.part(), r.method(), r.tensors(), r.trainable()));
        }
        sb.append(String.format(Locale.ROOT, line, "total", "", rows().stream().mapToInt(Row::tensors).sum(), trainable()));
        return sb.toString();
    }

    /** The summary line, then the table. */
    @Override
    public String toString() {
        return summary() + System.lineSeparator() + table();
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The builder of a {@link ParameterReport}. */
    public static class Builder extends ImmutableParameterReport.Builder {}

    /** The trainable parameters of one part of the model. */
    @Value.Immutable
    public abstract static class Row {
        /** The component ({@code QFORMER_CROSS_ATTN}), {@code other} for modules outside the component vocabulary, or {@code bias}. */
        public abstract String part();

        /** The method's label ({@code lora}, {@code ia3}, ...), {@code full} or {@code bias}. */
        public abstract String method();

        /** Number of trained tensors (for LoRA: A and B matrices, and lora_B biases). */
        public abstract int tensors();

        /** Trainable parameters. */
        public abstract long trainable();

        public static Builder builder() {
            return new Builder();
        }

        /** The builder of a {@link Row}. */
        public static class Builder extends ImmutableRow.Builder {}
    }
}
