package dev.mmpeft.peft;

import java.util.List;

/**
 * An adapter file whose tensors do not fit the model it is loaded into: shape disagreements (always
 * refused), and, in strict loading, missing or unexpected tensors.
 */
public final class AdapterMismatchException extends PeftException {
    private static final long serialVersionUID = 1L;
    private final List<String> missing;
    private final List<String> unexpected;
    private final List<String> mismatched;

    public AdapterMismatchException(String source, List<String> missing, List<String> unexpected, List<String> mismatched) {
        super(describe(source, missing, unexpected, mismatched));
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.mismatched = List.copyOf(mismatched);
    }

    /** Tensor names the model expects but the file lacks. */
    public List<String> missing() {
        return missing;
    }

    /** Tensor names in the file the model does not know. */
    public List<String> unexpected() {
        return unexpected;
    }

    /** One line per shape disagreement: {@code name: file [a, b], model expects [c, d]}. */
    public List<String> mismatched() {
        return mismatched;
    }

    private static String describe(String source, List<String> missing, List<String> unexpected, List<String> mismatched) {
        StringBuilder sb = new StringBuilder(source).append(": adapter does not fit the model");
        append(sb, "shape mismatches", mismatched);
        append(sb, "missing tensors", missing);
        append(sb, "unexpected tensors", unexpected);
        return sb.toString();
    }

    private static void append(StringBuilder sb, String title, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        sb.append("; ").append(title).append(" (").append(items.size()).append("): ");
        sb.append(String.join(", ", items.size() > 10 ? items.subList(0, 10) : items));
        if (items.size() > 10) {
            sb.append(", ... and ").append(items.size() - 10).append(" more");
        }
    }
}
