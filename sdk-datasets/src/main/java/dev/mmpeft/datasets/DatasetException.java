package dev.mmpeft.datasets;

import dev.mmpeft.core.MmpeftException;
import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A dataset file or record that cannot be used. The message always starts with the culprit: the
 * file, then the record ({@code pid 12} or {@code line 7}) and the field, then what was found and
 * what was expected, e.g. {@code problems.json: pid 12: field 'answer': 5 is out of range for 3
 * choices (expected 0..2)}.
 *
 * <p>The same parts are available separately ({@link #file()}, {@link #record()}, {@link
 * #field()}) so lenient readers can count skips per field and tools can point at the record.
 */
public class DatasetException extends MmpeftException {
    private static final long serialVersionUID = 1L;

    private final @Nullable String file;
    private final @Nullable String record;
    private final @Nullable String field;
    private final String problem;

    public DatasetException(
            @Nullable Path file, @Nullable String record, @Nullable String field, String problem) {
        this(file, record, field, problem, null);
    }

    public DatasetException(
            @Nullable Path file,
            @Nullable String record,
            @Nullable String field,
            String problem,
            @Nullable Throwable cause) {
        super(message(file, record, field, problem), cause);
        this.file = file == null ? null : file.toString();
        this.record = record;
        this.field = field;
        this.problem = problem;
    }

    /** The file at fault, when there is one. */
    public Optional<String> file() {
        return Optional.ofNullable(file);
    }

    /** The record at fault: {@code pid 12}, {@code line 7}, ... */
    public Optional<String> record() {
        return Optional.ofNullable(record);
    }

    /** The field at fault, when one is. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    /** What is wrong, without the location. */
    public String problem() {
        return problem;
    }

    private static String message(
            @Nullable Path file, @Nullable String record, @Nullable String field, String problem) {
        StringBuilder sb = new StringBuilder();
        if (file != null) {
            sb.append(file);
        }
        if (record != null) {
            sb.append(sb.length() == 0 ? "" : ": ").append(record);
        }
        if (field != null) {
            sb.append(sb.length() == 0 ? "" : ": ").append("field '").append(field).append('\'');
        }
        return sb.length() == 0 ? problem : sb + ": " + problem;
    }
}
