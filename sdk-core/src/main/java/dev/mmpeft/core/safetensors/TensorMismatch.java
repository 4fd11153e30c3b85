package dev.mmpeft.core.safetensors;

import java.io.Serializable;
import java.util.List;

/**
 * How a file's named tensors (a checkpoint, a PEFT adapter) fail to fit what a model expects:
 * names the model expects but the file lacks, names the file has but the model does not know, and
 * shape disagreements ({@code name: file [a, b], model expects [c, d]}).
 *
 * <p>Why one value: every loader reports a misfit with the same three lists and the same one-line
 * message ({@link #describe}), so a user reads the same report whichever file did not fit, and
 * the command line (which prints one line per error) shows the names themselves.
 */
public final class TensorMismatch implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Names listed per kind in a message; the lists themselves are complete. */
    static final int SHOWN = 10;

    private final List<String> missing;
    private final List<String> unexpected;
    private final List<String> mismatched;

    public TensorMismatch(List<String> missing, List<String> unexpected, List<String> mismatched) {
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

    /**
     * One line: {@code <source>: <what> does not fit the model; missing tensors (n): a, b; unexpected
     * tensors (n): ...; shape mismatches (n): ...}, each list cut after {@value #SHOWN} names
     * ({@code ..., and k more}); empty lists are left out.
     *
     * @param what the kind of file ({@code checkpoint}, {@code adapter})
     */
    public String describe(String source, String what) {
        StringBuilder sb = new StringBuilder(source).append(": ").append(what).append(" does not fit the model");
        append(sb, "missing tensors", missing);
        append(sb, "unexpected tensors", unexpected);
        append(sb, "shape mismatches", mismatched);
        return sb.toString();
    }

    private static void append(StringBuilder sb, String title, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        sb.append("; ").append(title).append(" (").append(items.size()).append("): ");
        sb.append(String.join(", ", items.size() > SHOWN ? items.subList(0, SHOWN) : items));
        if (items.size() > SHOWN) {
            sb.append(", ... and ").append(items.size() - SHOWN).append(" more");
        }
    }
}
