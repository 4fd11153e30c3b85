package dev.mmpeft.datasets;

import dev.mmpeft.core.MultimodalExample;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.immutables.value.Value;

/**
 * What a dataset holds, read exactly as training reads it (streaming, with the same checks):
 * examples per split (with an image, with a hint, naming a missing image), per sub-task, grade and
 * subject, what the read left out or skipped, and the first examples. Why: a user checks a download
 * before spending hours of training on it, from code or with {@code ./mmpeft dataset}.
 *
 * <pre>{@code
 * DatasetSummary s = DatasetSummary.of(ScienceQa.reader().root(dir).imagesOnly(true), 3);
 * s.total().examples();  s.byGrade().get("grade3");  s.firstExamples();
 * }</pre>
 */
@Value.Immutable
public abstract class DatasetSummary {
    /**
     * Counts of one split.
     *
     * @param missingImages examples that name an image file that is absent (counted when the read keeps them)
     */
    public record SplitCounts(long examples, long withImage, long withHint, long missingImages) {
        SplitCounts plus(SplitCounts o) {
            return new SplitCounts(examples + o.examples, withImage + o.withImage, withHint + o.withHint,
                    missingImages + o.missingImages);
        }
    }

    /** prek, kindergarten, grade1 .. grade12, then anything else alphabetically (ScienceQA's grades in school order). */
    public static final Comparator<String> GRADES =
            Comparator.comparingInt(DatasetSummary::gradeRank).thenComparing(Comparator.naturalOrder());

    /** The format's name ({@code scienceqa}). */
    public abstract String format();

    /** The metadata field that names a sub-task (empty when the format has none). */
    public abstract String subtaskField();

    /** Counts per split, in the order the splits were read. */
    public abstract Map<String, SplitCounts> splits();

    /** Examples per sub-task, sorted by name. */
    public abstract Map<String, Long> bySubtask();

    /** Examples per grade, in school order ({@link #GRADES}). */
    public abstract Map<String, Long> byGrade();

    /** Examples per subject, sorted by name. */
    public abstract Map<String, Long> bySubject();

    /** Records left out on request (filters such as images only). */
    public abstract long filtered();

    /** Bad records skipped by a lenient read. */
    public abstract long skipped();

    /** Skipped records per reason. */
    public abstract Map<String, Long> skippedByReason();

    /** The first messages about skipped records. */
    public abstract List<String> skipMessages();

    /** The first examples read, as many as asked for. */
    public abstract List<MultimodalExample> firstExamples();

    /** The counts of every split together. */
    public SplitCounts total() {
        return splits().values().stream().reduce(new SplitCounts(0, 0, 0, 0), SplitCounts::plus);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads {@code reader}'s dataset once and summarises it, keeping the first {@code keepFirst}
     * examples.
     *
     * @throws DatasetException as training would: a missing root, malformed files, or (unless the
     *     read is lenient) a bad record
     */
    public static DatasetSummary of(DatasetReader reader, int keepFirst) {
        if (keepFirst < 0) {
            throw new IllegalArgumentException("keepFirst must be >= 0, got " + keepFirst);
        }
        String subtaskField = reader.provider().subtaskField();
        boolean countMissing = reader.options().missingImages() == MissingImages.KEEP;
        Map<String, SplitCounts> splits = new LinkedHashMap<>();
        Map<String, Long> bySubtask = new TreeMap<>();
        Map<String, Long> byGrade = new TreeMap<>(GRADES);
        Map<String, Long> bySubject = new TreeMap<>();
        List<MultimodalExample> first = new ArrayList<>();
        Builder b = builder().format(reader.format()).subtaskField(subtaskField);
        try (DatasetStream stream = reader.open()) {
            Iterator<MultimodalExample> it = stream.iterator();
            while (it.hasNext()) {
                MultimodalExample e = it.next();
                boolean image = !e.images().isEmpty();
                boolean missing = image && countMissing && e.images().stream().anyMatch(p -> !Files.exists(p));
                splits.merge(e.split(), new SplitCounts(1, image ? 1 : 0, e.context().isBlank() ? 0 : 1, missing ? 1 : 0),
                        SplitCounts::plus);
                if (!subtaskField.isEmpty()) {
                    e.meta(subtaskField).ifPresent(v -> bySubtask.merge(v, 1L, Long::sum));
                }
                e.meta("grade").ifPresent(v -> byGrade.merge(v, 1L, Long::sum));
                e.meta("subject").ifPresent(v -> bySubject.merge(v, 1L, Long::sum));
                if (first.size() < keepFirst) {
                    first.add(e);
                }
            }
            ReadReport report = stream.report();
            b.filtered(report.filtered()).skipped(report.skipped()).skippedByReason(report.skippedByReason())
                    .skipMessages(report.skipMessages());
        }
        // Immutables copies maps into insertion-ordered ones: the sorted orders are kept
        return b.splits(splits).bySubtask(bySubtask).byGrade(byGrade).bySubject(bySubject).firstExamples(first).build();
    }

    private static int gradeRank(String g) {
        if (g.equals("prek")) {
            return 0;
        }
        if (g.equals("kindergarten")) {
            return 1;
        }
        if (g.startsWith("grade")) {
            try {
                return 1 + Integer.parseInt(g.substring(5));
            } catch (NumberFormatException e) {
                return 100;
            }
        }
        return 100;
    }

    /** Builds a summary (mostly for tests and tools that count examples themselves). */
    public static class Builder extends ImmutableDatasetSummary.Builder {}
}
