package dev.mmpeft.models.nn;

import dev.mmpeft.core.MmpeftException;
import java.util.List;

/**
 * A checkpoint whose tensors do not fit a model: names the model expects but the checkpoint
 * lacks, names the checkpoint has but the model does not know, and shape disagreements.
 */
public final class WeightMismatchException extends MmpeftException {
    private static final long serialVersionUID = 1L;
    private final List<String> missing;
    private final List<String> unexpected;
    private final List<String> mismatched;

    public WeightMismatchException(String source, List<String> missing, List<String> unexpected, List<String> mismatched) {
        super(describe(source, missing, unexpected, mismatched));
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.mismatched = List.copyOf(mismatched);
    }

    public List<String> missing() {
        return missing;
    }

    public List<String> unexpected() {
        return unexpected;
    }

    /** One line per shape disagreement: {@code name: checkpoint [a, b], model expects [c, d]}. */
    public List<String> mismatched() {
        return mismatched;
    }

    private static String describe(String source, List<String> missing, List<String> unexpected, List<String> mismatched) {
        StringBuilder sb = new StringBuilder(source).append(": checkpoint does not fit the model");
        appendList(sb, "missing tensors", missing);
        appendList(sb, "unexpected tensors", unexpected);
        appendList(sb, "shape mismatches", mismatched);
        return sb.toString();
    }

    private static void appendList(StringBuilder sb, String title, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        sb.append("\n  ").append(title).append(" (").append(items.size()).append("):");
        int shown = 0;
        for (String item : items) {
            if (shown++ == 20) {
                sb.append("\n    ... and ").append(items.size() - 20).append(" more");
                break;
            }
            sb.append("\n    ").append(item);
        }
    }
}
